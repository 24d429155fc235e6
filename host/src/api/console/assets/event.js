// One event: its fields, every outcome (each attempt) with its error and plugin log lines, replay.
import { api } from './api.js';
import { badge, h, mount, ms, table, when } from './dom.js';

const RESULT = { 0: 'Unknown', 2: 'Success', 3: 'Warning', 4: 'Failure' };
const OPERATION = ['Unknown', 'Inventory', 'Add', 'Remove', 'Create', 'CreateAdd', 'Reenrollment', 'Discovery', 'SetPassword', 'FetchLogs'];

function fieldsTable(record) {
  const e = record.event;
  const rows = [
    ['Event id', record.id],
    ['Status', badge(record.status)],
    ['Accepted', when(record.acceptedAt)],
    ['Completed', when(record.completedAt)],
    ['Job type', `${e.jobType} (${e.jobTypeId})`],
    ['Job id', e.jobId],
    ['Job result', `${RESULT[e.jobResult] ?? e.jobResult} (${e.jobResult})`],
    ['Operation', `${OPERATION[e.operationType] ?? e.operationType} (${e.operationType})`],
    ['Agent', e.agentId],
    ['Client machine', e.clientMachine ?? '—'],
    ['Username', e.username ?? '—'],
    ['Certificate id', e.certificateId ?? '—'],
    ['Requested', when(e.requestTimestamp)],
    ['Platform retry', e.currentRetryCount],
    ['Idempotency key', record.idempotencyKey ?? '—'],
  ];
  return h('dl', { class: 'fields' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', { class: typeof v === 'string' && /[0-9a-f]{8}-/.test(v) ? 'mono' : '' }, v)]));
}

function logsBlock(o) {
  if (!o.logs || o.logs.lines.length === 0) return h('span', { class: 'muted small' }, 'no log lines');
  return h(
    'details',
    { class: 'logs', open: o.outcome !== 'succeeded' },
    h('summary', {}, `${o.logs.lines.length} log line${o.logs.lines.length === 1 ? '' : 's'}${o.logs.truncated ? ' (truncated)' : ''}`),
    h(
      'pre',
      {},
      o.logs.lines.map((l) => h('div', { class: `log-${l.level}` }, `${when(l.at)} ${l.level.toUpperCase().padEnd(5)} ${l.message}${l.fields ? ` ${JSON.stringify(l.fields)}` : ''}`)),
    ),
  );
}

/** The event page; `reload` re-renders it (after a replay, or when the live feed names it). */
export async function eventPage(main, id, onReplayed) {
  let record;
  try {
    record = await api(`/v1/job-completions/${encodeURIComponent(id)}`);
  } catch (e) {
    mount(main, h('section', {}, h('h1', {}, 'Event'), h('p', { class: 'error' }, `${e.code}: ${e.message}`), h('a', { href: '#/events' }, '← Events')));
    return;
  }
  const message = h('p', { class: 'notice', id: 'replay-notice', hidden: true });
  const replay = async (plugin, handler) => {
    try {
      const res = await api(`/v1/job-completions/${encodeURIComponent(record.id)}/replay`, { method: 'POST', body: { plugin, ...(handler ? { handler } : {}) } });
      message.hidden = false;
      message.className = 'notice';
      message.textContent = `Replay ${res.replays.map((r) => `#${r.replay} (${r.plugin})`).join(', ')} queued; its outcome appears below when it has run.`;
      onReplayed();
    } catch (e) {
      message.hidden = false;
      message.className = 'notice error';
      message.textContent = `${e.code}: ${e.message}`;
    }
  };
  const latestReplay = new Map();
  for (const o of record.outcomes) latestReplay.set(`${o.plugin}/${o.handler}`, Math.max(latestReplay.get(`${o.plugin}/${o.handler}`) ?? 0, o.replay));
  const cards = record.outcomes.map((o) =>
    h(
      'article',
      { class: `outcome-row o-${o.outcome}`, 'data-outcome': o.outcome, 'data-replay': o.replay },
      h(
        'header',
        {},
        badge(o.outcome),
        h('strong', {}, o.plugin),
        h('span', { class: 'mono small' }, `v${o.version}`),
        h('span', { class: 'mono small' }, o.handler),
        h('span', { class: 'muted small' }, `${o.replay === 0 ? 'original dispatch' : `replay #${o.replay}`}${o.attempts > 1 ? ` · claim ${o.attempts}` : ''} · ${ms(o.durationMs)} · ${when(o.recordedAt)}`),
        latestReplay.get(`${o.plugin}/${o.handler}`) === o.replay && record.status === 'done'
          ? h('button', { type: 'button', class: o.outcome === 'succeeded' ? 'secondary replay' : 'replay', onclick: () => replay(o.plugin, o.handler) }, 'Replay')
          : null,
      ),
      o.error ? h('p', { class: 'error-line' }, h('span', { class: 'code' }, o.error.code), ' ', h('span', { class: 'msg' }, o.error.message)) : null,
      logsBlock(o),
    ),
  );
  const replays = record.replays.map((r) =>
    h('tr', {}, h('td', {}, `#${r.replay}`), h('td', {}, r.plugin), h('td', { class: 'mono' }, r.handler ?? 'all'), h('td', {}, badge(r.status)), h('td', {}, when(r.requestedAt)), h('td', {}, when(r.completedAt))),
  );
  mount(
    main,
    h(
      'section',
      { class: 'event-page' },
      h('p', {}, h('a', { href: '#/events' }, '← Events')),
      h('h1', {}, `${record.event.jobType} `, h('span', { class: 'muted mono small' }, record.id)),
      message,
      h('div', { class: 'two-col' }, h('div', { class: 'card' }, h('h2', {}, 'Fields'), fieldsTable(record)), h('div', { class: 'card grow' }, h('h2', {}, 'Outcomes'), cards.length ? cards : h('p', { class: 'muted empty' }, record.status === 'done' ? 'No handler matched this job type.' : 'Not dispatched yet.'))),
      record.replays.length ? h('div', { class: 'card' }, h('h2', {}, 'Replays'), table([['#'], ['Plugin'], ['Handler'], ['Status'], ['Requested'], ['Done']], replays)) : null,
    ),
  );
}
