import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ky, { HTTPError, TimeoutError } from 'ky';
import { waitFor } from '../../support/wait-for.js';
import { event } from '../../support/sample-event.js';
import { PROBE_JOB_TYPE, startRig, type EgressRig } from './egress-rig.js';

type Scenario = (client: unknown, errors: { HTTPError: unknown; TimeoutError: unknown }) => Promise<unknown>;

const bundle = fileURLToPath(new URL('../../fixtures/plugins/egress-ky-parity/bundle.js', import.meta.url));

/** The fixture's scenarios, loaded in Node with a stand-in for the SDK's registration calls. */
async function loadScenarios(): Promise<Record<string, Scenario>> {
  const code = await readFile(bundle, 'utf8');
  const module = { exports: {} as { scenarios?: Record<string, Scenario> } };
  const sdkStandIn = { inject: () => () => {}, jobCompleteHandler: () => () => {}, Logger: class {} };
  new Function('require', 'module', 'exports', code)(() => sdkStandIn, module, module.exports);
  return module.exports.scenarios!;
}

async function settle(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (e) {
    return { threw: { name: (e as Error).name, message: (e as Error).message } };
  }
}

describe('plugin code written for ky behaves the same through the proxy', function () {
  this.timeout(30_000);
  let rig: EgressRig;
  let scenarios: Record<string, Scenario>;
  const viaKy: Record<string, unknown> = {};
  const viaProxy: Record<string, unknown> = {};

  before(async () => {
    scenarios = await loadScenarios();
    rig = await startRig({ fixture: 'egress-ky-parity' });
    rig.platform.addCertificate({ Id: 42, Metadata: { Owner: 'pki-team' } });
    const client = ky.create({ prefixUrl: rig.platform.url, retry: 0, headers: { authorization: 'Bearer test-token-0123456789' } });
    for (const [name, scenario] of Object.entries(scenarios)) viaKy[name] = await settle(() => scenario(client, { HTTPError, TimeoutError }));
    const { outcomes } = await rig.host.dispatch(event(PROBE_JOB_TYPE, { jobType: 'Parity', clientMachine: null, username: null, requestTimestamp: null }));
    expect(outcomes[0]?.outcome).to.equal('succeeded');
    const count = Object.keys(scenarios).length;
    await waitFor(() => rig.logs.lines.filter((l) => l.msg === 'parity').length === count, { what: `${count} 'parity' log lines`, timeoutMs: 3000 });
    for (const line of rig.logs.lines.filter((l) => l.msg === 'parity')) {
      const data = line.data as { scenario: string; result: unknown };
      viaProxy[data.scenario] = data.result;
    }
  });
  after(() => rig?.close());

  it('runs every scenario through the proxy', () => {
    expect(Object.keys(viaProxy).sort()).to.deep.equal(Object.keys(scenarios).sort());
  });

  // One test per scenario, so a difference names the behaviour that differs.
  const names = [
    'jsonShortcut',
    'httpErrorLikeKy',
    'httpError500Message',
    'throwHttpErrorsFalse',
    'throwHttpErrorsFunction',
    'jsonShortcutOn204',
    'jsonShortcutOnEmptyBody',
    'responseJsonOnEmptyBodyThrows',
    'acceptHeaderPerShortcut',
    'postJson',
    'jsonKeepsOwnContentType',
    'searchParamsObjectReplacesQuery',
    'searchParamsStringAndArray',
    'stringBody',
    'bytesBody',
    'arrayBufferOfBinary',
    'textOfInvalidUtf8',
    'bomIsDroppedByTextKeptByBytes',
    'bodyReadsOnce',
    'cloneReadsTwice',
    'headersApi',
    'followsRedirect',
    'headHasNoBody',
    'timeoutErrorLikeKy',
  ];
  for (const name of names) {
    it(`${name}: same result as ky`, () => {
      expect(viaKy[name], 'ky itself answered').to.not.equal(undefined);
      expect(viaProxy[name]).to.deep.equal(viaKy[name]);
    });
  }

  it('covers every scenario of the fixture', () => {
    expect(names.slice().sort()).to.deep.equal(Object.keys(scenarios).sort());
  });

  it('makes HTTPError carry the status and the parsed body, as ky does', () => {
    const e = (viaProxy.httpErrorLikeKy as { value: Record<string, unknown> }).value;
    expect(e).to.include({ isHTTPError: true, isError: true, name: 'HTTPError', status: 404, statusText: 'Not Found', ok: false, method: 'GET' });
    expect(e.message).to.equal(`Request failed with status code 404 Not Found: GET ${rig.platform.url}Certificates/999`);
    expect(e.body).to.deep.equal({ ErrorCode: '0xA0110002', Message: 'Certificate ID 999 was not found' });
  });
});
