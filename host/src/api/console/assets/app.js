// The console: sign-in, routing between pages, and the live feed that keeps counters current.
import { api, ApiError, session } from './api.js';
import { OUTCOMES } from './contract.js';
import { badge, h, mount, table, when } from './dom.js';
import { eventPage } from './event.js';
import { EVENT_COLUMNS, eventRows, eventsPage } from './events.js';
import { startLive } from './live.js';
import { loadCluster, pluginsTable } from './plugins.js';
import { replayPage } from './replay.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const live = document.getElementById('live');
const liveText = document.getElementById('live-text');
const signout = document.getElementById('signout');
const counters = document.getElementById('counters');

const state = { plugins: [], cluster: null, stopLive: null, tally: { accepted: 0, succeeded: 0, failures: 0 }, failures: [], rendering: null };

function navigate(hash) {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

function route() {
  const [path, q] = (location.hash.slice(1) || '/').split('?');
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(q ?? '') };
}

async function loadPlugins() {
  state.plugins = (await api('/v1/plugins')).plugins;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderCounters() {
  counters.hidden = false;
  const totals = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  for (const p of state.plugins) for (const [k, v] of Object.entries(p.invocations)) totals[k] += v;
  const active = state.plugins.filter((p) => p.state === 'active' && !p.disabled).length;
  const bad = OUTCOMES.filter((o) => o !== 'succeeded').reduce((sum, o) => sum + totals[o], 0);
  mount(
    counters,
    h('span', { class: 'counter', id: 'count-plugins' }, h('b', {}, `${active}/${state.plugins.length}`), ' plugins active'),
    h('span', { class: 'counter', id: 'count-succeeded' }, h('b', {}, totals.succeeded), ' succeeded'),
    h('span', { class: `counter ${bad ? 'bad' : ''}`, id: 'count-failures' }, h('b', {}, bad), ' not succeeded'),
    h('span', { class: 'counter muted', id: 'count-session' }, `since this page opened: ${plural(state.tally.accepted, 'event')}, ${plural(state.tally.failures, 'failure')}`),
  );
}

function failuresCard() {
  const items = state.failures.map((f) =>
    h(
      'li',
      { class: 'live-failure' },
      badge(f.outcome),
      h('a', { href: `#/events/${f.eventId}`, class: 'mono' }, f.eventId.slice(-10)),
      h('strong', {}, f.plugin),
      f.error ? h('span', { class: 'code' }, f.error.code) : null,
      h('span', { class: 'muted small' }, when(f.at)),
    ),
  );
  return h('div', { class: 'card', id: 'live-failures' }, h('h2', {}, 'New failures'), items.length ? h('ul', { class: 'plain failures' }, items) : h('p', { class: 'muted empty' }, 'None since this page opened.'));
}

async function homePage() {
  const page = await api('/v1/job-completions?limit=10');
  mount(
    main,
    h('section', {}, h('h1', {}, 'Plugins'), pluginsTable(state.plugins, { cluster: state.cluster, onChange: refresh, compact: true })),
    h('div', { class: 'two-col' }, h('section', { class: 'card grow', id: 'latest-events' }, h('h2', {}, 'Latest events ', h('a', { class: 'small', href: '#/events' }, 'all →')), table(EVENT_COLUMNS, eventRows(page.events), 'No event received yet.')), failuresCard()),
  );
}

// `data-rendered` names the hash the page shows once it is fully drawn (empty while drawing), so a
// reader — a person's script or the browser tests — can tell a finished page from the previous one.
async function render() {
  main.dataset.rendered = '';
  await draw();
  main.dataset.rendered = location.hash || '#/';
}

async function draw() {
  const { parts, params } = route();
  for (const a of nav.querySelectorAll('a[data-page]')) a.classList.toggle('active', a.dataset.page === (parts[0] ?? 'home'));
  try {
    await loadPlugins();
    renderCounters();
    if (parts[0] === 'plugins') mount(main, h('section', {}, h('h1', {}, 'Plugins'), pluginsTable(state.plugins, { cluster: state.cluster, onChange: refresh })));
    else if (parts[0] === 'events' && parts[1]) await eventPage(main, parts[1], () => schedule(800));
    else if (parts[0] === 'events') await eventsPage(main, params, state.plugins, navigate);
    else if (parts[0] === 'replay') replayPage(main, params, state.plugins);
    else await homePage();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return showLogin('Your session ended: sign in again.');
    mount(main, h('p', { class: 'error' }, `${e.code ?? 'ERROR'}: ${e.message}`));
  }
}

// Re-renders at most once per burst of live messages, and never while typing in a form.
let timer = null;
function schedule(delay = 400) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (document.activeElement && ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName)) return schedule(1500);
    void refresh();
  }, delay);
}

async function refresh() {
  const { parts } = route();
  // The replay form and a filtered list keep what the admin typed; only the counters move.
  if (parts[0] === 'replay' || (parts[0] === 'events' && !parts[1] && location.hash.includes('?'))) {
    await loadPlugins().catch(() => undefined);
    return renderCounters();
  }
  await render();
}

function onLive(type, m) {
  if (type === 'accepted') state.tally.accepted++;
  if (type === 'outcome' && m.outcome !== 'succeeded') {
    state.tally.failures++;
    state.failures = [m, ...state.failures].slice(0, 10);
  }
  const { parts } = route();
  if (parts[0] === 'events' && parts[1] && m.eventId !== parts[1]) return renderCounters();
  schedule();
}

function startFeed() {
  state.stopLive?.();
  live.hidden = false;
  state.stopLive = startLive(onLive, (s) => {
    live.dataset.state = s;
    liveText.textContent = s === 'live' ? 'live' : s === 'refused' ? 'signed out' : 'reconnecting…';
    if (s === 'refused') showLogin('Your session ended: sign in again.');
  });
}

function showLogin(message) {
  state.stopLive?.();
  state.stopLive = null;
  nav.hidden = true;
  live.hidden = true;
  signout.hidden = true;
  counters.hidden = true;
  const error = h('p', { class: 'error', id: 'login-error', role: 'alert', hidden: !message }, message ?? '');
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, placeholder: 'JOBHOOK_TOKEN' });
  const form = h(
    'form',
    { class: 'login card', id: 'login' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'This host requires its API token (the JOBHOOK_TOKEN it was started with). It is kept for this browser tab only.'),
    h('label', { class: 'field' }, h('span', {}, 'API token'), input),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    try {
      await api('/v1/plugins', { token });
    } catch (e) {
      error.hidden = false;
      error.textContent = e.status === 401 ? `The token was refused (${e.code}).` : `${e.code}: ${e.message}`;
      input.select();
      return;
    }
    session.token = token;
    await enter(true);
  });
  mount(main, form);
  input.focus();
}

async function enter(withToken) {
  nav.hidden = false;
  signout.hidden = !withToken;
  state.cluster = await loadCluster();
  startFeed();
  await render();
}

signout.addEventListener('click', () => {
  session.token = null;
  showLogin();
});
window.addEventListener('hashchange', () => void render());

// With no token configured (the loopback default) the API answers without one: no sign-in.
(async () => {
  try {
    await api('/v1/plugins');
    await enter(Boolean(session.token));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.token = null;
      showLogin();
    } else mount(main, h('p', { class: 'error' }, `${e.code}: ${e.message}`));
  }
})();
