// Bulk replay: every failed handler run of a plugin since a time, after a fix.
import { api, query } from './api.js';
import { REPLAYABLE_OUTCOMES as REPLAYABLE } from './contract.js';
import { badge, h, mount, table, when } from './dom.js';

const localNow = (offsetMs) => {
  const d = new Date(Date.now() - offsetMs);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};

export function replayPage(main, params, plugins) {
  const chosen = params.get('plugin') ?? plugins[0]?.id ?? '';
  const result = h('div', { id: 'replay-result' });
  const form = h(
    'form',
    { class: 'filters', id: 'replay-form' },
    h('label', { class: 'field' }, h('span', {}, 'Plugin'), h('select', { name: 'plugin', required: true }, plugins.map((p) => h('option', { value: p.id, selected: p.id === chosen }, `${p.id} ${p.version ? `v${p.version}` : ''}`)))),
    h('label', { class: 'field' }, h('span', {}, 'Since'), h('input', { name: 'since', type: 'datetime-local', required: true, value: params.get('since') ?? localNow(24 * 3600 * 1000) })),
    h('label', { class: 'field' }, h('span', {}, 'Handler'), h('input', { name: 'handler', placeholder: 'all' })),
    h('fieldset', { class: 'field checks' }, h('legend', {}, 'Latest outcome'), REPLAYABLE.map((o) => h('label', {}, h('input', { type: 'checkbox', name: 'outcome', value: o, checked: true }), ` ${o}`))),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit' }, 'Replay failures')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const plugin = String(data.get('plugin'));
    const q = { since: new Date(String(data.get('since'))).toISOString(), outcome: data.getAll('outcome').map(String), handler: String(data.get('handler') ?? '').trim() };
    try {
      const res = await api(`/v1/plugins/${encodeURIComponent(plugin)}/replay${query(q)}`, { method: 'POST' });
      const rows = res.replays.map((r) =>
        h('tr', {}, h('td', {}, h('a', { href: `#/events/${r.eventId}`, class: 'mono' }, r.eventId.slice(-10))), h('td', {}, `#${r.replay}`), h('td', { class: 'mono' }, r.handler ?? 'all'), h('td', {}, badge(r.status)), h('td', {}, when(r.requestedAt))),
      );
      mount(result, h('p', { class: 'notice' }, `${res.replays.length} replay${res.replays.length === 1 ? '' : 's'} queued for ${plugin}.`), table([['Event'], ['Replay'], ['Handler'], ['Status'], ['Requested']], rows, 'Nothing to run again: no matching outcome since then.'));
    } catch (e) {
      mount(result, h('p', { class: 'notice error' }, `${e.code}: ${e.message}`));
    }
  });
  mount(
    main,
    h(
      'section',
      {},
      h('h1', {}, 'Replay'),
      h('p', { class: 'muted' }, 'Runs again, with the version of the plugin in force now, every handler whose latest outcome since the time below is one of those ticked. Each replay is stored and recorded as a new attempt; the first outcome is kept. To replay one event, open it from Events.'),
      form,
      result,
    ),
  );
}
