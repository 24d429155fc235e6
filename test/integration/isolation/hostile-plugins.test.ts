// One test per attack in test/fixtures/plugins/hostile-*: the host stays up, the hostile plugin gets
// the expected outcome and code, the well-behaved neighbour dispatched at the same time succeeds
// within 3x its solo median latency, and no isolate or process is left behind.
import { expect } from 'chai';
import type { HandlerOutcome } from '@jobhook/host';
import { waitFor } from '../../support/wait-for.js';
import { IsolationHost, WELL_ID } from './isolation-harness.js';

interface Expectation {
  readonly outcome: HandlerOutcome['outcome'];
  readonly code: string | readonly string[];
  readonly message?: RegExp;
  /** Further checks once the attack is over (the plugin is still loaded). */
  readonly after?: (h: IsolationHost, result: HandlerOutcome) => unknown;
}

// Every ECMAScript global V8 gives a context, plus what the SDK runtime installs (console, timers, and
// the web-standard globals: runtime code, holding no host object).
const EXPECTED_GLOBALS = new Set(
  (
    'Object,Function,Array,Number,parseFloat,parseInt,Infinity,NaN,undefined,Boolean,String,Symbol,Date,Promise,RegExp,Error,AggregateError,' +
    'EvalError,RangeError,ReferenceError,SyntaxError,TypeError,URIError,globalThis,JSON,Math,Intl,ArrayBuffer,Uint8Array,Int8Array,Uint16Array,' +
    'Int16Array,Uint32Array,Int32Array,Float32Array,Float64Array,Uint8ClampedArray,BigUint64Array,BigInt64Array,DataView,Map,BigInt,Set,WeakMap,' +
    'WeakSet,Proxy,Reflect,FinalizationRegistry,WeakRef,decodeURI,decodeURIComponent,encodeURI,encodeURIComponent,escape,unescape,eval,isFinite,' +
    'isNaN,console,SharedArrayBuffer,Atomics,WebAssembly,setTimeout,setInterval,clearTimeout,clearInterval,' +
    'DOMException,Event,EventTarget,AbortController,AbortSignal,TextEncoder,TextDecoder,Crypto,Headers,Request,Response,fetch,SubtleCrypto,' +
    'CryptoKey,URL,URLSearchParams,atob,btoa,structuredClone,crypto,queueMicrotask,reportError,performance,navigator,self'
  ).split(','),
);

const attacks: Array<[string, string, Expectation]> = [
  ['stops a synchronous infinite loop at its deadline', 'hostile-sync-loop', { outcome: 'timeout', code: 'SANDBOX_TIMEOUT' }],
  ['times out an async handler that never settles', 'hostile-async-never', { outcome: 'timeout', code: 'SANDBOX_TIMEOUT' }],
  [
    'times out a tight loop after an await and disposes the stuck isolate',
    'hostile-loop-after-await',
    {
      outcome: 'timeout',
      code: 'SANDBOX_TIMEOUT',
      after: (h) => waitFor(() => {
        expect(h.status('hostile.loop-after-await')?.lastError?.code).to.equal('SANDBOX_UNRESPONSIVE');
        return true;
      }, { what: 'hostile.loop-after-await to report SANDBOX_UNRESPONSIVE', timeoutMs: 3000 }),
    },
  ],
  ['ends a heap bomb of arrays at its memory limit', 'hostile-heap-arrays', { outcome: 'crashed', code: 'ISOLATE_MEMORY_LIMIT' }],
  ['ends a heap bomb of strings at its memory limit', 'hostile-heap-strings', { outcome: 'crashed', code: 'ISOLATE_MEMORY_LIMIT' }],
  // A Map that cannot grow its backing store is one of V8's "catastrophic" out-of-memory paths.
  ['ends a heap bomb of Map entries, replacing its process if V8 gave up', 'hostile-heap-maps', { outcome: 'crashed', code: ['ISOLATE_MEMORY_LIMIT', 'ISOLATE_CATASTROPHIC'] }],
  ['refuses an ArrayBuffer bomb its allocations past the memory limit', 'hostile-arraybuffer-bomb', { outcome: 'error', code: 'HANDLER_THREW', message: /Array buffer allocation failed/ }],
  ['turns unbounded recursion into an error', 'hostile-deep-recursion', { outcome: 'error', code: 'HANDLER_THREW', message: /Maximum call stack size exceeded/ }],
  ['gives constructor.constructor nothing of the host', 'hostile-escape-constructor', { outcome: 'error', code: 'plugin:ESCAPE_BLOCKED' }],
  [
    'gives Function nothing of the host, and the global only ECMAScript built-ins, console and timers',
    'hostile-escape-function',
    {
      outcome: 'error',
      code: 'plugin:ESCAPE_BLOCKED',
      after: (_h, result) => {
        const globals = result.error!.message.split(' | globals: ')[1]!.split(',');
        expect(globals.filter((g) => !EXPECTED_GLOBALS.has(g)), 'globals beyond the built-ins').to.deep.equal([]);
      },
    },
  ],
  ['gives eval and import() nothing of the host', 'hostile-escape-eval', { outcome: 'error', code: 'plugin:ESCAPE_BLOCKED' }],
  [
    'gives Error.prepareStackTrace no host frame, and runs no plugin getter inside a bridge call',
    'hostile-escape-prepare-stack-trace',
    { outcome: 'error', code: 'plugin:ESCAPE_BLOCKED', message: /getters run inside a bridge call: 0$/ },
  ],
  ['keeps Symbol.for registries free of host values', 'hostile-escape-symbol-registry', { outcome: 'error', code: 'plugin:ESCAPE_BLOCKED', message: /registry entries found: none; global symbols: none/ }],
  ['gives the prototypes of values from the host nothing of the host', 'hostile-escape-host-values', { outcome: 'error', code: 'plugin:ESCAPE_BLOCKED', message: /visited \d{2,} objects/ }],
  ['refuses a Proxy as a result', 'hostile-return-proxy', { outcome: 'error', code: 'HANDLER_BAD_RESULT' }],
  ['times out a thenable that resolves to itself forever', 'hostile-return-thenable', { outcome: 'timeout', code: 'SANDBOX_TIMEOUT' }],
  ['refuses an object with throwing getters as a result', 'hostile-return-getters', { outcome: 'error', code: 'HANDLER_BAD_RESULT' }],
  ['refuses a huge string as a result without copying it out', 'hostile-return-huge-string', { outcome: 'error', code: 'HANDLER_BAD_RESULT', message: /returned string/ }],
  ['refuses a cyclic object as a result', 'hostile-return-cyclic', { outcome: 'error', code: 'HANDLER_BAD_RESULT' }],
  ['refuses a number as a result', 'hostile-return-non-boolean', { outcome: 'error', code: 'HANDLER_BAD_RESULT', message: /returned number/ }],
  ['refuses an answer inflated by tampered prototypes at the host limit', 'hostile-oversized-envelope', { outcome: 'error', code: 'SANDBOX_RESULT_TOO_LARGE' }],
  ['describes a thrown non-Error whose getters throw', 'hostile-throw-hostile', { outcome: 'error', code: 'HANDLER_THREW', message: /unprintable object/ }],
  [
    'rate-limits a log flood and says how much it dropped',
    'hostile-log-flood',
    {
      outcome: 'succeeded',
      code: [],
      after: async (h) => {
        await waitFor(() => {
          const lines = h.pluginLines('hostile.log-flood');
          const notices = lines.filter((l) => l.code === 'LOG_RATE_LIMITED');
          expect(notices.length, 'rate-limit notices').to.be.at.least(1);
          // The burst (100) plus what the rate (50/s) refills while the flood lasts, and the notices.
          expect(lines.length - notices.length, 'flood lines written').to.be.within(100, 400);
          return true;
        }, { what: 'the log flood to be rate-limited', timeoutMs: 3000 });
      },
    },
  ],
  ['fails a timer flood at the pending-timer limit', 'hostile-timer-flood', { outcome: 'error', code: 'TIMER_LIMIT', message: /limit 100/ }],
  [
    'disposes an isolate that keeps working after its handler returned',
    'hostile-background-work',
    { outcome: 'succeeded', code: [], after: (h) => waitFor(() => {
      expect(h.status('hostile.background-work')?.lastError?.code).to.equal('SANDBOX_BACKGROUND_WORK');
      return true;
    }, { what: 'hostile.background-work to report SANDBOX_BACKGROUND_WORK', timeoutMs: 3000 }) },
  ],
  [
    'stops CPU-bound bursts at the CPU-time limit though each burst is short',
    'hostile-cpu-burst',
    { outcome: 'timeout', code: 'SANDBOX_CPU_LIMIT', after: (h) => waitFor(() => {
      expect(h.status('hostile.cpu-burst')?.lastError?.code).to.equal('SANDBOX_CPU_LIMIT');
      return true;
    }, { what: 'hostile.cpu-burst to report SANDBOX_CPU_LIMIT', timeoutMs: 3000 }) },
  ],
];

const refusedAtLoad: Array<[string, string, string]> = [
  ['refuses a handler whose constructor throws, at load', 'hostile-constructor-throws', 'HANDLER_CONSTRUCTION_FAILED'],
  ['refuses a bundle that throws while loading', 'hostile-bundle-throws', 'PLUGIN_BUNDLE_THREW'],
  ['refuses a bundle that loops forever while loading', 'hostile-bundle-loops', 'SANDBOX_TIMEOUT'],
];

describe('hostile plugins', function () {
  this.timeout(30_000);
  let h: IsolationHost;
  // Set JOBHOOK_ISOLATION_REPORT=1 to print each attack's outcome and the neighbour's latency.
  const report: Array<Record<string, string | number>> = [];

  before(async () => {
    // A short queue, so the invocation flood below reaches it quickly.
    h = await IsolationHost.start({ config: { limits: { queueDepth: 4 } } });
  });
  after(async () => {
    await h?.close();
    if (process.env.JOBHOOK_ISOLATION_REPORT) console.table(report);
  });
  // A failed test must not leave its plugin loaded for the next one.
  let current: string | undefined;
  afterEach(async () => {
    if (current) await h.unload(current);
    current = undefined;
  });

  for (const [title, folder, expected] of attacks) {
    it(title, async () => {
      current = folder;
      expect((await h.load(folder)).kind).to.equal('added');
      const { result, neighbour } = await h.underAttack(() => h.dispatchHostile());
      expect(result.outcome, JSON.stringify(result.error)).to.equal(expected.outcome);
      const codes = typeof expected.code === 'string' ? [expected.code] : expected.code;
      if (codes.length > 0) expect(codes).to.include(result.error?.code);
      else expect(result.error).to.equal(undefined);
      if (expected.message) expect(result.error?.message).to.match(expected.message);
      const during = h.expectNeighbourUnharmed(neighbour);
      report.push({ attack: folder, outcome: result.outcome, code: result.error?.code ?? '', neighbourSoloMs: h.soloMedianMs, neighbourDuringMs: during, samples: neighbour.length });
      await expected.after?.(h, result);
      await h.unload(folder);
      expect((await h.dispatchWell()).outcome, 'the host still serves').to.equal('succeeded');
      await h.expectNothingLeftBehind();
    });
  }

  for (const [title, folder, code] of refusedAtLoad) {
    it(title, async () => {
      current = folder;
      const { result: change, neighbour } = await h.underAttack(() => h.load(folder));
      expect(change.kind).to.equal('refused');
      if (change.kind !== 'refused') return;
      expect(change.error.code).to.equal(code);
      expect(change.error.message).to.match(/^Loading plugin 'hostile\.[a-z-]+' 1\.0\.0 failed: /);
      expect(h.host.registry.routes('e1a7c3d2-5b4f-4a69-9c8e-7d6f5a4b3c21'), 'routes to the refused plugin').to.have.length(0);
      const during = h.expectNeighbourUnharmed(neighbour);
      report.push({ attack: folder, outcome: 'refused at load', code: change.error.code, neighbourSoloMs: h.soloMedianMs, neighbourDuringMs: during, samples: neighbour.length });
      await h.unload(folder);
      await h.expectNothingLeftBehind();
    });
  }

  it('runs an invocation flood at the plugin\'s concurrency, queues a bounded number, and turns the rest away', async () => {
    current = 'hostile-async-never';
    expect((await h.load('hostile-async-never')).kind).to.equal('added');
    // Concurrency 4 (the host default), queue 4: of 12 at once, 8 end by their deadline, 4 at once.
    const { result, neighbour } = await h.underAttack(() => Promise.all(Array.from({ length: 12 }, () => h.dispatchHostile())));
    const rejected = result.filter((o) => o.outcome === 'rejected');
    expect(rejected).to.have.length(4);
    for (const o of rejected) {
      expect(o.error?.code).to.equal('PLUGIN_AT_CAPACITY');
      expect(o.durationMs, 'turned away at once').to.be.below(100);
    }
    expect(result.filter((o) => o.outcome === 'timeout')).to.have.length(8);
    const during = h.expectNeighbourUnharmed(neighbour);
    report.push({ attack: 'hostile-async-never ×12', outcome: '8 timeout, 4 rejected', code: 'PLUGIN_AT_CAPACITY', neighbourSoloMs: h.soloMedianMs, neighbourDuringMs: during, samples: neighbour.length });
    await h.unload('hostile-async-never');
    await h.expectNothingLeftBehind();
  });

  it('keeps the well-behaved plugin loaded and serving throughout', async () => {
    expect(h.status(WELL_ID)).to.include({ state: 'active', lastError: null });
    expect((await h.dispatchWell()).outcome).to.equal('succeeded');
  });
});
