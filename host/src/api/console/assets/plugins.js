// The plugins table: what is deployed, its state, counters and last error, with disable/enable.
import { api } from './api.js';
import { OUTCOMES } from './contract.js';
import { badge, h, shortId, table, when } from './dom.js';


/**
 * Which live hosts run which version of each plugin, from GET /v1/cluster (its `plugins` spread:
 * per plugin the versions with their hosts, the live hosts missing it, and whether all agree).
 * Null when the endpoint does not answer, or for a single host on its own store (no column then).
 */
export async function loadCluster() {
  let body;
  try {
    body = await api('/v1/cluster');
  } catch {
    return null;
  }
  if (!Array.isArray(body?.hosts) || !Array.isArray(body?.plugins)) return null;
  const live = body.hosts.filter((x) => x.live).length;
  if (body.store !== 'postgres' && live <= 1) return null;
  return new Map(body.plugins.map((p) => [p.id, { versions: p.versions ?? [], missingOn: p.missingOn ?? [], consistent: p.consistent !== false }]));
}

function hostsCell(spread) {
  if (!spread) return h('span', { class: 'muted' }, '—');
  return h(
    'div',
    { class: 'hosts' },
    spread.consistent ? null : badge('inconsistent'),
    spread.versions.map((v) => h('div', {}, h('span', { class: 'mono' }, v.version ? `v${v.version}` : '?'), ` on ${v.hosts.join(', ')}`)),
    spread.missingOn.length ? h('div', { class: 'host-missing' }, `missing on ${spread.missingOn.join(', ')}`) : null,
  );
}

function invocationBadges(counts) {
  const shown = OUTCOMES.filter((o) => counts[o] > 0);
  if (shown.length === 0) return h('span', { class: 'muted' }, 'none yet');
  return h('span', { class: 'counts' }, shown.map((o) => h('span', { class: `count b-${o}`, title: o }, `${counts[o]} ${o}`)));
}

function stateCell(p) {
  return h(
    'div',
    { class: 'stack' },
    badge(p.state),
    p.quarantined ? badge('quarantined') : null,
    p.disabled ? badge('disabled') : null,
  );
}

function handlersCell(p) {
  return h(
    'ul',
    { class: 'plain' },
    p.handlers.map((hd) =>
      h(
        'li',
        {},
        h('span', { class: 'mono' }, hd.name),
        ' ',
        h('span', { class: 'muted small', title: hd.jobTypes.join('\n') }, hd.jobTypes.map((j) => j.slice(0, 8)).join(', ')),
        hd.jobTypesFrom === 'config' ? h('span', { class: 'small muted' }, ' (config)') : null,
        hd.error ? h('div', { class: 'small', title: hd.error.message }, h('span', { class: 'code' }, hd.error.code), ' refused') : null,
      ),
    ),
  );
}

function limitsCell(p) {
  if (!p.limits) return '—';
  return h('span', { class: 'small nowrap' }, `${p.limits.memoryMb} MB · ${p.limits.timeoutMs / 1000} s · ×${p.limits.concurrency}`);
}

function errorCell(p) {
  const f = p.lastFailure;
  const failure = f
    ? h(
        'div',
        { class: 'error-cell last-failure' },
        h('span', { class: 'code' }, f.code ?? f.outcome),
        h('span', { class: 'small muted' }, ` ${f.handler} · ${when(f.at)} · v${f.version}`),
        f.message ? h('div', { class: 'small msg' }, f.message) : null,
      )
    : null;
  if (!p.lastError) return failure ?? h('span', { class: 'muted' }, '—');
  return h('div', {}, pluginError(p), failure);
}

function pluginError(p) {
  return h(
    'div',
    { class: 'error-cell' },
    h('span', { class: 'code' }, p.lastError.code),
    h('span', { class: 'small muted' }, ` ${when(p.lastError.at)}${p.lastError.version ? ` · v${p.lastError.version}` : ''}`),
    h('div', { class: 'small msg' }, p.lastError.message),
  );
}

/** The plugins table; `onChange` is called after an action so the page can reload. */
export function pluginsTable(plugins, { cluster, onChange, compact = false }) {
  const cols = [
    ['Plugin'],
    ['State'],
    ['Version'],
    ['Handlers · job types', compact ? 'wide-only' : ''],
    ['Limits', 'wide-only'],
    ['Invocations'],
    ['Last error'],
    ...(cluster ? [['Hosts', 'wide-only']] : []),
    ['', 'actions'],
  ];
  const rows = plugins.map((p) => {
    const action = async (verb) => {
      try {
        await api(`/v1/plugins/${encodeURIComponent(p.id)}/${verb}`, { method: 'POST' });
      } catch (e) {
        alert(`${verb} ${p.id}: ${e.code}: ${e.message}`);
      }
      onChange();
    };
    return h(
      'tr',
      { 'data-plugin': p.id },
      h('td', {}, h('strong', {}, p.id), h('div', { class: 'small muted' }, p.contentHash ? shortId(p.contentHash.replace(/^sha256-/, '')) : p.folder)),
      h('td', {}, stateCell(p)),
      h('td', { class: 'mono' }, p.version ?? '—'),
      h('td', { class: compact ? 'wide-only' : '' }, handlersCell(p)),
      h('td', { class: 'wide-only' }, limitsCell(p)),
      h('td', {}, invocationBadges(p.invocations)),
      h('td', {}, errorCell(p)),
      cluster ? h('td', { class: 'wide-only small' }, hostsCell(cluster.get(p.id))) : null,
      h(
        'td',
        { class: 'actions' },
        p.disabled || p.quarantined || p.state === 'failed'
          ? h('button', { type: 'button', onclick: () => action('enable') }, 'Enable')
          : h('button', { type: 'button', class: 'secondary', onclick: () => action('disable') }, 'Disable'),
        h('a', { class: 'button secondary', href: `#/replay?plugin=${encodeURIComponent(p.id)}` }, 'Replay…'),
      ),
    );
  });
  return table(cols, rows, 'No plugins are loaded: drop a plugin folder into the plugins directory.');
}
