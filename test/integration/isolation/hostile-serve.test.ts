// Attacks that once crashed, stalled or fooled `jobhook serve`, replayed against real serve processes
// whose one sandbox process the well-behaved neighbour shares. Each ends with a coded outcome, serve
// alive and serving, and every neighbour outcome recorded as a success.
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { request } from '../../support/service-harness.js';
import { jobTypeOf, ServeRig, type RecordedOutcome } from './serve-rig.js';

const MiB = 1024 * 1024;

interface Case {
  readonly title: string;
  readonly folder: string;
  readonly outcome: string;
  readonly code?: string | readonly string[];
  readonly message?: RegExp;
  readonly after?: (rig: ServeRig, attack: RecordedOutcome) => void | Promise<void>;
}

const eventually = async (check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
};

const cases: Case[] = [
  {
    title: 'keeps serving when log fields are named like Object.prototype members (valueOf, toString, __proto__…)',
    folder: 'hostile-log-prototype-keys',
    outcome: 'succeeded',
    after: (rig) =>
      eventually(() => {
        const line = rig.pluginLines('hostile.log-prototype-keys').find((l) => l.msg === 'prototype keys');
        expect(line?.data, 'the fields, under data').to.deep.equal({ valueOf: 1, toString: 2, hasOwnProperty: 3, isPrototypeOf: 4, toJSON: 5 });
      }),
  },
  {
    title: 'writes a field built to forge a host line as data of the plugin line, so no host line is forged',
    folder: 'hostile-log-forged-line',
    outcome: 'succeeded',
    after: (rig) =>
      eventually(() => {
        const line = rig.pluginLines('hostile.log-forged-line').find((l) => l.msg === 'forging');
        expect(line, 'the plugin line').to.not.equal(undefined);
        expect(line).to.include({ plugin: 'hostile.log-forged-line', level: 30, source: 'plugin', msg: 'forging' });
        expect((line!.data as Record<string, unknown>).constructor).to.match(/^0}\n\{"level":60/);
        expect(rig.serve.lines.filter((l) => /FORGED/.test(String(l.msg))), 'forged lines').to.have.length(0);
      }),
  },
  {
    title: 'cuts a log field nested 10,000 deep inside the isolate, and loses no neighbour reply',
    folder: 'hostile-log-deep-nesting',
    outcome: 'succeeded',
    after: (rig) =>
      eventually(() => {
        const lines = rig.pluginLines('hostile.log-deep-nesting');
        expect(lines.map((l) => l.msg)).to.include.members(['deep object', 'deep array']);
        expect(JSON.stringify(lines.find((l) => l.msg === 'deep object')!.data)).to.include('[nested too deep]');
      }),
  },
  {
    title: 'limits log bytes per second, not only lines, and says how much it dropped',
    folder: 'hostile-log-byte-flood',
    outcome: 'succeeded',
    after: (rig) =>
      eventually(() => {
        const lines = rig.pluginLines('hostile.log-byte-flood');
        const notices = lines.filter((l) => l.code === 'LOG_RATE_LIMITED');
        expect(notices.length, 'rate-limit notices').to.be.at.least(1);
        expect(notices[0]).to.include({ limitBytesPerSecond: 128 * 1024 });
        const written = lines.filter((l) => l.code === undefined).length;
        // 80 lines of ~68 KB were written; the 256 KiB burst and 128 KiB/s let through a handful.
        expect(written, 'flood lines written').to.be.within(1, 40);
        expect(lines.some((l) => typeof l.droppedBytes === 'number' && l.droppedBytes > 0), 'a drop count in bytes').to.equal(true);
      }),
  },
  {
    title: "records a thrown code such as ISOLATE_CATASTROPHIC as the plugin's, apart from host codes",
    folder: 'hostile-throw-host-code',
    outcome: 'error',
    code: 'plugin:ISOLATE_CATASTROPHIC',
    after: async (rig) => {
      const plugin = (await request(`${rig.url}/v1/plugins/hostile.throw-host-code`)).body;
      expect(plugin.state, 'not treated as a V8 catastrophe').to.equal('active');
    },
  },
  {
    title: "refuses a host code carried by the SDK's own error class",
    folder: 'hostile-throw-forged-sdk-error',
    outcome: 'error',
    code: 'plugin:SANDBOX_PROCESS_MEMORY',
  },
  {
    title: 'gives plugins no WebAssembly, so no memory can grow outside the heap through it',
    folder: 'hostile-wasm-memory',
    outcome: 'error',
    code: 'HANDLER_THREW',
    message: /WebAssembly is not defined/,
  },
  {
    title: 'gives plugins no SharedArrayBuffer, growable or not',
    folder: 'hostile-growable-shared-buffer',
    outcome: 'error',
    code: 'HANDLER_THREW',
    message: /SharedArrayBuffer is not defined/,
  },
  {
    title: 'refuses a resizable ArrayBuffer larger than the cap',
    folder: 'hostile-resizable-arraybuffer',
    outcome: 'error',
    code: 'HANDLER_THREW',
    message: /resizable ArrayBuffer may hold at most 16777216 bytes/,
  },
  {
    title: 'caps resizable ArrayBuffers however the constructor is reached, and keeps small ones working',
    folder: 'hostile-resizable-arraybuffer-constructor',
    outcome: 'error',
    code: 'plugin:RESIZE_REPORT',
    message: /^refused: buffer\.constructor,subclass,species,Reflect\.construct; small resizable buffer: 1024$/,
  },
  {
    title: 'carries five concurrent 10 MiB responses of escapable bytes without starving the heartbeat',
    folder: 'hostile-bridge-huge-responses',
    outcome: 'succeeded',
    after: (rig) => {
      expect(rig.serve.lines.filter((l) => /stopped answering heartbeats/.test(String(l.msg))), 'heartbeat kills').to.have.length(0);
      expect(rig.serve.lines.filter((l) => l.msg === 'sandbox process exited'), 'sandbox process exits').to.have.length(0);
    },
  },
  {
    title: 'fails a response larger than the bridge carries per message with a code, before serialising it',
    folder: 'hostile-bridge-oversized-response',
    outcome: 'error',
    code: 'EGRESS_BRIDGE_TOO_LARGE',
    message: /sandbox\.maxBridgeMessageBytes \(16777216\)/,
  },
];

describe('hostile plugins against jobhook serve (one sandbox process, shared with the neighbour)', function () {
  this.timeout(120_000);
  let platform: FakePlatform;
  let rig: ServeRig;

  before(async () => {
    platform = await startFakePlatform();
    // Bytes JSON escapes sixfold: what once became ~70 MB of bridge JSON per response.
    platform.route('GET', /^Escapable\/\d+$/, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(10 * MiB, 1));
    });
    platform.route('GET', 'Escapable/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(20 * MiB, 1));
    });
    rig = await ServeRig.start(
      cases.map((c) => c.folder),
      // A file's config: any subset of each block.
      {
        platform: { url: platform.url },
        egress: { maxResponseBytes: 32 * MiB },
        sandbox: {
          processes: 1,
          heartbeatIntervalMs: 200,
          heartbeatTimeoutMs: 1500,
          maxBridgeMessageBytes: 16 * MiB,
          logBytesPerSecond: 128 * 1024,
          logBytesBurst: 256 * 1024,
        },
      },
    );
  });
  after(async () => {
    await rig?.close();
    await platform?.close();
  });

  it('reports at /readyz and in its log which memory limits hold', async () => {
    const ready = await request(`${rig.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(ready.body.sandboxMemory).to.include({ kernel: process.platform === 'linux' ? 'rlimit-data' : 'none', processMemoryMb: 2048 });
    expect(ready.body.sandboxMemory.inIsolate).to.include('WebAssembly removed');
    expect(rig.serve.lines.some((l) => String(l.msg).startsWith('sandbox memory: '))).to.equal(true);
  });

  for (const c of cases) {
    it(c.title, async () => {
      const { attack, neighbour } = await rig.underAttack(await jobTypeOf(c.folder));
      expect(attack.outcome, JSON.stringify(attack.error)).to.equal(c.outcome);
      if (c.code) expect(typeof c.code === 'string' ? [c.code] : c.code).to.include(attack.error?.code);
      else expect(attack.error ?? undefined).to.equal(undefined);
      if (c.message) expect(attack.error?.message).to.match(c.message);
      for (const o of neighbour) expect(o, `the neighbour during the attack: ${JSON.stringify(o)}`).to.include({ outcome: 'succeeded' });
      await c.after?.(rig, attack);
      await rig.expectServing();
    });
  }
});

describe('a plugin that passes its sandbox process hard memory total, against jobhook serve', function () {
  this.timeout(120_000);
  let rig: ServeRig;

  before(async () => {
    rig = await ServeRig.start(['hostile-process-memory', 'hostile-intl-bomb'], {
      limits: { max: { memoryMb: 512, timeoutMs: 300_000, concurrency: 64 } },
      sandbox: { processes: 1, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1500, processHardMemoryMb: 384 },
    });
  });
  after(() => rig?.close());

  it('ends it crashed with SANDBOX_PROCESS_MEMORY at the kernel limit, replaces the process, and records every neighbour outcome', async function () {
    if (process.platform !== 'linux') this.skip();
    const { attack, neighbour } = await rig.underAttack(await jobTypeOf('hostile-process-memory'));
    expect(attack.outcome, JSON.stringify(attack.error)).to.equal('crashed');
    expect(attack.error?.code).to.equal('SANDBOX_PROCESS_MEMORY');
    // A neighbour invocation in flight in the same process when it died is recorded (crashed, by the
    // same code); every other one succeeded.
    for (const o of neighbour) {
      if (o.outcome !== 'succeeded') expect(o.error?.code, JSON.stringify(o)).to.equal('SANDBOX_PROCESS_MEMORY');
    }
    expect(neighbour.filter((o) => o.outcome === 'succeeded').length).to.be.at.least(neighbour.length - 1);
    await eventually(() => rig.expectServing(), 20_000);
  });

  // Under RLIMIT_DATA, ICU's failed malloc often ends the process with SIGSEGV (or SIGABRT) and no V8
  // report: the death is named by the last heartbeats, which had the process at its kernel limit. The
  // neighbour moves to the replacement process before its next dispatch instead of being restarted.
  it('ends Intl objects piling up ICU memory outside the heap at the same limit', async function () {
    if (process.platform !== 'linux') this.skip();
    const { attack, neighbour } = await rig.underAttack(await jobTypeOf('hostile-intl-bomb'));
    expect(attack.outcome, JSON.stringify(attack.error)).to.equal('crashed');
    // ICU allocates outside the heap, unseen by the isolate's limit: the kernel's limit ends it.
    expect(attack.error?.code, JSON.stringify(attack.error)).to.equal('SANDBOX_PROCESS_MEMORY');
    // Only a neighbour invocation in flight in the dying process may end crashed (by the same code);
    // every one dispatched after the death runs in the replacement.
    for (const o of neighbour) {
      if (o.outcome !== 'succeeded') expect(o.error?.code, JSON.stringify(o)).to.equal('SANDBOX_PROCESS_MEMORY');
    }
    expect(neighbour.filter((o) => o.outcome === 'succeeded').length, JSON.stringify(neighbour)).to.be.at.least(neighbour.length - 1);
    await eventually(() => rig.expectServing(), 20_000);
  });
});

describe('a bundle too large for the bridge, against jobhook serve', function () {
  this.timeout(120_000);
  let rig: ServeRig;
  const HUGE_BUNDLE_JOB_TYPE = 'a1000001-0000-4000-8000-00000000000e';

  before(async () => {
    rig = await ServeRig.start(
      [],
      { sandbox: { processes: 1, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1500, maxBridgeMessageBytes: 8 * MiB } },
      // 4 MiB of bytes JSON escapes sixfold: ~24 MB of IPC JSON, over the 8 MiB the bridge carries.
      async (plugins) => {
        const dir = path.join(plugins, 'hostile-bundle-escapable');
        await mkdir(dir);
        await writeFile(
          path.join(dir, 'plugin.json'),
          JSON.stringify({
            id: 'hostile.bundle-escapable',
            name: 'Hostile: a bundle of escapable bytes',
            version: '1.0.0',
            engine: '^0.1.0',
            main: 'bundle.js',
            handlers: [{ name: 'H', jobTypes: [HUGE_BUNDLE_JOB_TYPE] }],
          }),
        );
        const padding = '\u0001'.repeat(4 * MiB);
        await writeFile(
          path.join(dir, 'bundle.js'),
          `'use strict';\nconst padding = "${padding}";\nconst sdk = require('@jobhook/sdk');\nclass H { constructor() { this.jobTypes = '${HUGE_BUNDLE_JOB_TYPE}'; } runHandler() { return padding.length > 0; } }\nsdk.jobCompleteHandler('H')(H);\n`,
        );
      },
    );
  });
  after(() => rig?.close());

  it('refuses it at load with SANDBOX_MESSAGE_TOO_LARGE, before serialising it, while the neighbour in the same process serves', async () => {
    const plugin = (await request(`${rig.url}/v1/plugins/hostile.bundle-escapable`)).body;
    expect(plugin.state).to.equal('failed');
    expect(plugin.lastError.code).to.equal('SANDBOX_MESSAGE_TOO_LARGE');
    expect(plugin.lastError.message).to.match(/sandbox\.maxBridgeMessageBytes \(8388608\)/);
    expect((await rig.outcomes(await rig.post(HUGE_BUNDLE_JOB_TYPE))).length, 'nothing routed to the refused plugin').to.equal(0);
    await rig.expectServing();
  });
});
