// The events list: filters, paging, and a summary of each event's outcomes.
import { api, query } from './api.js';
import { OUTCOMES } from './contract.js';
import { badge, h, mount, shortId, table, when } from './dom.js';

const STATUSES = ['', 'pending', 'dispatching', 'done'];
const OUTCOME_CHOICES = ['', ...OUTCOMES];
const FILTERS = ['status', 'outcome', 'plugin', 'jobType', 'jobId', 'from', 'until'];

/** The outcomes of an event as badges, latest attempt of each handler. */
export function outcomeSummary(event) {
  const latest = new Map();
  for (const o of event.outcomes) {
    const key = `${o.plugin}/${o.handler}`;
    if (!latest.has(key) || latest.get(key).replay < o.replay) latest.set(key, o);
  }
  if (latest.size === 0) return h('span', { class: 'muted small' }, event.status === 'done' ? 'no handler matched' : 'waiting');
  return h(
    'span',
    { class: 'counts' },
    [...latest.values()].map((o) => h('span', { class: `count b-${o.outcome}`, title: `${o.plugin} ${o.handler}: ${o.outcome}${o.error ? ` (${o.error.code})` : ''}` }, `${o.plugin}${o.replay ? ` #${o.replay}` : ''}: ${o.outcome}`)),
  );
}

/** Rows of an events table. */
export function eventRows(events) {
  return events.map((e) =>
    h(
      'tr',
      { 'data-event': e.id },
      h('td', { class: 'nowrap' }, h('a', { href: `#/events/${e.id}` }, when(e.acceptedAt))),
      h('td', {}, h('a', { href: `#/events/${e.id}`, class: 'mono' }, e.id.slice(-10))),
      h('td', {}, e.event.jobType),
      h('td', { class: 'wide-only' }, shortId(e.event.jobId)),
      h('td', {}, badge(e.status)),
      h('td', {}, outcomeSummary(e)),
    ),
  );
}

export const EVENT_COLUMNS = [['Accepted'], ['Event'], ['Job type'], ['Job id', 'wide-only'], ['Status'], ['Outcomes']];

// datetime-local has no zone: read as local time, sent as ISO.
const toIso = (local) => (local ? new Date(local).toISOString() : '');

/** The events page for `params` (from the hash); `plugins` fill the plugin filter. */
export async function eventsPage(main, params, plugins, navigate) {
  const form = h(
    'form',
    { class: 'filters', id: 'filters' },
    field('Status', select('status', STATUSES, params.get('status'))),
    field('Outcome', select('outcome', OUTCOME_CHOICES, params.get('outcome'))),
    field('Plugin', select('plugin', ['', ...plugins.map((p) => p.id)], params.get('plugin'))),
    field('Job type', h('input', { name: 'jobType', placeholder: 'e.g. PEMInventory', value: params.get('jobType') ?? '' })),
    field('Job id', h('input', { name: 'jobId', placeholder: 'GUID', value: params.get('jobId') ?? '' })),
    field('From', h('input', { name: 'from', type: 'datetime-local', value: params.get('from') ?? '' })),
    field('Until', h('input', { name: 'until', type: 'datetime-local', value: params.get('until') ?? '' })),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit' }, 'Filter'), h('a', { class: 'button secondary', href: '#/events' }, 'Clear')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const k of FILTERS) if (data.get(k)) next.set(k, String(data.get(k)));
    navigate(`#/events${next.toString() ? `?${next}` : ''}`);
  });
  const results = h('div', { id: 'results' }, h('p', { class: 'muted' }, 'Loading…'));
  mount(main, h('section', {}, h('h1', {}, 'Events'), form, results));

  const q = {};
  for (const k of FILTERS) q[k] = params.get(k) ?? undefined;
  q.from = toIso(q.from);
  q.until = toIso(q.until);
  q.before = params.get('before') ?? undefined;
  q.limit = 25;
  let page;
  try {
    page = await api(`/v1/job-completions${query(q)}`);
  } catch (e) {
    mount(results, h('p', { class: 'error' }, `${e.code}: ${e.message}`));
    return;
  }
  const here = new URLSearchParams(params);
  const older = new URLSearchParams(here);
  if (page.next) older.set('before', page.next);
  mount(
    results,
    table(EVENT_COLUMNS, eventRows(page.events), 'No event matches these filters.'),
    h(
      'div',
      { class: 'pager' },
      here.has('before') ? h('button', { type: 'button', class: 'secondary', onclick: () => history.back() }, '← Newer') : null,
      page.next ? h('a', { class: 'button secondary', href: `#/events?${older}` }, 'Older →') : null,
    ),
  );
}

function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

function select(name, options, value) {
  return h('select', { name }, options.map((o) => h('option', { value: o, selected: (value ?? '') === o }, o || 'any')));
}
