import { expect } from 'chai';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, type Host } from '@jobhook/host';
import { buildPlugin } from '@jobhook/sdk/build';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { GUID_B, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';

const fixture = fileURLToPath(new URL('../../fixtures/plugins/di-dispose', import.meta.url));

describe("an invocation's services are disposed when it ends", function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let host: Host;
  let logs: LogCapture;

  before(async () => {
    tmp = await tempDir();
    await buildPlugin(fixture);
    const plugins = path.join(tmp.path, 'plugins');
    await mkdir(plugins);
    await cp(fixture, path.join(plugins, 'di-dispose'), { recursive: true });
    logs = captureLogs();
    host = await createHost({ config: { pluginsDir: plugins }, logger: logs.logger });
  });
  after(async () => {
    await host?.close();
    await tmp.dispose();
  });

  /** The plugin's lines of one invocation, by message, in the order it wrote them. */
  function linesOf(invocationId: string): string[] {
    return logs.lines.filter((l) => l.invocationId === invocationId && l.source === 'plugin').map((l) => String(l.msg));
  }

  async function run(certificateId: number): Promise<{ outcome: string; invocationId: string; error?: { code: string; message: string } }> {
    const { outcomes } = await host.dispatch(event(GUID_B, { certificateId }));
    expect(outcomes).to.have.length(1);
    return outcomes[0] as never;
  }

  for (const [certificateId, outcome] of [
    [1, 'succeeded'],
    [2, 'failed'],
    [3, 'error'],
  ] as const) {
    it(`disposes them after the handler, before the outcome, when it ends ${outcome}`, async () => {
      const result = await run(certificateId);
      expect(result.outcome).to.equal(outcome);
      // Everything the container built is disposed, the async dispose() waited for, before the host hears the outcome.
      expect(linesOf(result.invocationId)).to.deep.equal(['disposing handler ran', 'session disposed', 'cache disposed']);
      const session = logs.lines.find((l) => l.invocationId === result.invocationId && l.msg === 'session disposed');
      expect(session).to.include({ plugin: 'test.di-dispose', handler: 'Disposing' });
      expect(session?.data).to.deep.equal({ certificateId });
    });
  }

  it("keeps the outcome when a service's dispose() rejects, and logs the failure for the invocation", async () => {
    const result = await run(4);
    expect(result.outcome).to.equal('succeeded');
    const lines = linesOf(result.invocationId);
    expect(lines).to.deep.equal(['disposing handler ran', 'session disposed', 'cache disposed', "disposing the invocation's services failed"]);
    const failure = logs.lines.find((l) => l.invocationId === result.invocationId && l.msg === "disposing the invocation's services failed");
    expect(failure).to.include({ plugin: 'test.di-dispose', level: 50 });
    expect(JSON.stringify(failure?.data)).to.contain('cache refused to close');
  });

  it('disposes each invocation apart, the next one still served', async () => {
    const first = await run(1);
    const second = await run(1);
    expect(first.invocationId).to.not.equal(second.invocationId);
    expect(linesOf(second.invocationId)).to.deep.equal(['disposing handler ran', 'session disposed', 'cache disposed']);
  });
});
