import { expect } from 'chai';
import { startRig, type EgressRig } from './egress-rig.js';

const INSTANCE = '3d5c0f0e-7b1a-4c2e-9f00-5a6b7c8d9e01';

describe('the platform calls real handlers make, through the proxy', function () {
  this.timeout(30_000);
  let rig: EgressRig;

  before(async () => {
    rig = await startRig({
      manifest: (m) => {
        const permissions = m.permissions as { http: unknown[] };
        return {
          ...m,
          permissions: {
            http: [...permissions.http, { url: 'Workflow/Instances/*/Signals', methods: ['POST'] }, { url: 'OrchestratorJobs/Custom', methods: ['POST'] }],
          },
        };
      },
    });
  });
  after(() => rig?.close());

  it('signals a suspended workflow instance', async () => {
    const { result } = await rig.run('request', { method: 'post', input: `Workflow/Instances/${INSTANCE}/Signals`, options: { json: { SignalKey: 'Approve', Data: { comment: 'ok' } } } });
    expect(result?.value.status).to.equal(204);
    const [signal] = rig.platform.requestsTo('POST', `Workflow/Instances/${INSTANCE}/Signals`);
    expect(JSON.parse(signal!.body)).to.deep.equal({ SignalKey: 'Approve', Data: { comment: 'ok' } });
    expect(signal!.headers['content-type']).to.equal('application/json');
  });

  it('schedules a follow-up custom job and reads its id', async () => {
    const { result } = await rig.run('request', { method: 'post', input: 'OrchestratorJobs/Custom', options: { json: { JobTypeName: 'FetchLogs', AgentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b' } } });
    expect(result?.value.status).to.equal(200);
    expect(result?.value.body.JobId).to.match(/^[0-9a-f-]{36}$/);
  });

  it('passes the platform’s 400 answer back to the handler as an HTTPError', async () => {
    const { result } = await rig.run('request', { method: 'post', input: `Workflow/Instances/${INSTANCE}/Signals`, options: { json: {} } });
    expect(result?.threw).to.include({ name: 'HTTPError', isHTTPError: true, status: 400 });
  });
});
