// An open-loop load generator for bench/intake, run as its own process: POSTs go out at a fixed rate,
// evenly spaced (a few per millisecond), on a pool of keep-alive connections, whatever the server's
// answers do. autocannon's `overallRate` is a per-second quota per connection instead: every second
// starts with all its connections sending back to back until each has used its share, so "5,000/s"
// is a burst at the server's full speed followed by silence, and its p99 is the burst's queue.
//
// Each latency is taken from the moment the request was due, not from when a free connection sent
// it: a server (or a generator) that falls behind cannot hide its delay by delaying the next sends.
// The same figure from the moment of the write is reported beside it.
//
// Usage: node paced-load.mjs '<json options>'; prints one JSON line:
//   { latency: { p50, p90, p99, p999, max, mean }, sent: { p50, p99 }, requests: { total, average },
//     non2xx, errors, timeouts, duration, statusCodeStats, lateStarts }
// Options: url, bodies (strings, cycled), connections, seconds, rate (requests per second),
// warmupSeconds (sent at the rate first, not counted), path, headers.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2]);
const { url, bodies, connections, seconds, rate } = opts;
const warmup = opts.warmupSeconds ?? 0;
const target = new URL(url);
const requestPath = opts.path ?? '/v1/job-completions';
const extraHeaders = Object.entries({ 'content-type': 'application/json', ...(opts.headers ?? {}) })
  .map(([k, v]) => `${k}: ${v}\r\n`)
  .join('');
const requests = bodies.map((body) =>
  Buffer.from(`POST ${requestPath} HTTP/1.1\r\nhost: ${target.host}\r\n${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
);

const TIMEOUT_MS = 10_000;
const capacity = Math.ceil(rate * (seconds + 1)) + 1024;
const fromDue = new Float64Array(capacity);
const fromSent = new Float64Array(capacity);
let recorded = 0;
let non2xx = 0;
let errors = 0;
let timeouts = 0;
let lateStarts = 0;
const statusCodeStats = {};

let issued = 0;
const backlog = []; // due times of requests no connection was free for
const idle = [];
let startedAt = 0;
let measureFrom = 0;
let stopAt = 0;
let stopped = false;
let inFlight = 0;

class Connection {
  constructor() {
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    this.due = 0;
    this.sentAt = 0;
    this.busy = false;
    this.connect();
  }

  connect() {
    this.buffer = Buffer.alloc(0);
    const socket = net.connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    this.socket = socket;
    this.ready = new Promise((resolve) => socket.once('connect', resolve));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      if (this.busy) this.finish(0, true);
      if (!stopped) this.connect();
    });
  }

  send(due) {
    this.busy = true;
    this.due = due;
    this.sentAt = performance.now();
    inFlight++;
    this.timer = setTimeout(() => {
      timeouts++;
      this.finish(0, true);
      this.socket.destroy();
    }, TIMEOUT_MS);
    this.socket.write(requests[issued++ % requests.length]);
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      // Every answer the host sends has a length; anything else is a broken run, not a slow one.
      process.stderr.write(`paced-load: an answer without content-length:\n${head}\n`);
      process.exit(2);
    }
    const total = end + 4 + Number(length[1]);
    if (this.buffer.length < total) return;
    const status = Number(head.slice(9, 12));
    this.buffer = this.buffer.subarray(total);
    const closing = /\r\nconnection: *close/i.test(head);
    this.finish(status, false);
    if (closing) this.socket.destroy();
  }

  finish(status, failed) {
    if (!this.busy) return;
    clearTimeout(this.timer);
    this.busy = false;
    inFlight--;
    const now = performance.now();
    if (this.due >= measureFrom) {
      if (failed) errors++;
      else {
        statusCodeStats[status] = { count: (statusCodeStats[status]?.count ?? 0) + 1 };
        if (status >= 200 && status < 300) {
          fromDue[recorded] = now - this.due;
          fromSent[recorded] = now - this.sentAt;
          recorded++;
        } else non2xx++;
      }
    }
    const next = backlog.shift();
    if (next !== undefined) this.send(next);
    else idle.push(this);
  }
}

function issue(due) {
  const connection = idle.shift();
  if (connection) connection.send(due);
  else backlog.push(due);
}

// Every millisecond or so, send what fell due since the last tick, each with its own due time.
let scheduled = 0;
function tick() {
  const now = performance.now();
  const end = Math.min(now, stopAt);
  const interval = 1000 / rate;
  let late = false;
  while (true) {
    const due = startedAt + scheduled * interval;
    if (due > end) break;
    if (now - due > 5) late = true;
    scheduled++;
    issue(due);
  }
  if (late) lateStarts++;
  if (now < stopAt) setTimeout(tick, 1);
  else finishRun();
}

function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function finishRun() {
  const waitUntil = performance.now() + TIMEOUT_MS;
  while ((inFlight > 0 || backlog.length > 0) && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
  stopped = true;
  for (const c of pool) c.socket.destroy();
  const due = fromDue.slice(0, recorded).sort();
  const sent = fromSent.slice(0, recorded).sort();
  const round = (v) => Math.round(v * 1000) / 1000;
  let sum = 0;
  for (const v of due) sum += v;
  const duration = seconds;
  const result = {
    latency: { p50: round(percentile(due, 0.5)), p90: round(percentile(due, 0.9)), p99: round(percentile(due, 0.99)), p999: round(percentile(due, 0.999)), max: round(due[due.length - 1] ?? NaN), mean: round(sum / Math.max(1, due.length)) },
    sent: { p50: round(percentile(sent, 0.5)), p99: round(percentile(sent, 0.99)) },
    requests: { total: recorded, average: recorded / duration },
    non2xx,
    errors,
    timeouts,
    duration,
    statusCodeStats,
    lateStarts,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const pool = Array.from({ length: connections }, () => new Connection());
await Promise.all(pool.map((c) => c.ready));
idle.push(...pool);
startedAt = performance.now();
measureFrom = startedAt + warmup * 1000;
stopAt = measureFrom + seconds * 1000;
tick();
