// Tiny DOM helpers: every text goes in through textContent, never as HTML.

/** h('td', { class: 'x', onclick: f }, 'text', child) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A coloured badge for an outcome or a state. */
export function badge(value, extra = '') {
  return h('span', { class: `badge b-${value} ${extra}`.trim() }, value);
}

/** "12:03:04" today, else "2026-11-30 12:03". */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return today ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** A GUID shortened for tables, whole in the tooltip. */
export function shortId(id) {
  return h('span', { class: 'mono', title: id }, id && id.length > 13 ? `${id.slice(0, 8)}…` : id ?? '—');
}

/** A table in a horizontally scrolling box; `cols` are [label, className?]. */
export function table(cols, rows, empty = 'Nothing yet.') {
  if (rows.length === 0) return h('p', { class: 'muted empty' }, empty);
  // Each cell names its column, for the narrow layout where rows become cards.
  for (const row of rows) [...row.children].forEach((td, i) => cols[i]?.[0] && !td.dataset.label && (td.dataset.label = cols[i][0]));
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', {}, h('thead', {}, h('tr', {}, cols.map(([label, cls]) => h('th', { class: cls }, label)))), h('tbody', {}, rows)),
  );
}

export function ms(n) {
  if (typeof n !== 'number') return '—';
  return n < 1000 ? `${n.toFixed(n < 10 ? 1 : 0)} ms` : `${(n / 1000).toFixed(2)} s`;
}
