import { expect } from 'chai';
import { EventValidationError, normalizeEvent } from '@jobhook/host';
import { GUID_A, event } from '../../support/foundation-plugins.js';

function problemsOf(input: unknown): Array<{ pointer: string; message: string }> {
  try {
    normalizeEvent(input);
  } catch (e) {
    expect(e).to.be.instanceOf(EventValidationError);
    expect((e as EventValidationError).code).to.equal('EVENT_INVALID');
    return [...(e as EventValidationError).problems];
  }
  throw new Error('expected the event to be refused');
}

describe('job-completion event validation', () => {
  it('accepts camelCase and lower-cases GUIDs', () => {
    const e = normalizeEvent(event(GUID_A.toUpperCase()));
    expect(e.jobTypeId).to.equal(GUID_A);
    expect(e.jobResult).to.equal(2);
  });

  it("accepts Keyfactor's PascalCase names with enum members by name", () => {
    const e = normalizeEvent({
      AgentId: '7F1C2B9E-3D4A-4E5F-8A6B-1C2D3E4F5A6B',
      Username: 'KEYFACTOR\\jdoe',
      ClientMachine: 'iis-01',
      JobResult: 'Failure',
      JobId: '{0B6C3E2A-9F41-4D7E-B1A5-C3D2E1F0A9B8}',
      JobType: 'IISUManagement',
      JobTypeId: GUID_A,
      OperationType: 'Add',
      CertificateId: 42,
      RequestTimestamp: '2026-11-30T02:00:00Z',
      CurrentRetryCount: 3,
    });
    expect(e).to.deep.equal({
      agentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
      username: 'KEYFACTOR\\jdoe',
      clientMachine: 'iis-01',
      jobResult: 4,
      jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8',
      jobType: 'IISUManagement',
      jobTypeId: GUID_A,
      operationType: 2,
      certificateId: 42,
      requestTimestamp: '2026-11-30T02:00:00.000Z',
      currentRetryCount: 3,
    });
  });

  it('fills the optional fields an inventory event may leave out', () => {
    const { username, clientMachine, operationType, certificateId, requestTimestamp, currentRetryCount, ...required } = event();
    void username, clientMachine, operationType, certificateId, requestTimestamp, currentRetryCount;
    const e = normalizeEvent(required);
    expect(e).to.include({ username: null, clientMachine: null, operationType: 0, certificateId: null, requestTimestamp: null, currentRetryCount: 0 });
  });

  it('reports every bad field, each at its own pointer', () => {
    const problems = problemsOf(
      event(GUID_A, { agentId: 'nope', jobResult: 1, operationType: 'Explode', certificateId: -1, currentRetryCount: 1.5, requestTimestamp: 'yesterday', jobType: '' }),
    );
    expect(problems.map((p) => p.pointer)).to.have.members([
      '/agentId',
      '/jobResult',
      '/operationType',
      '/certificateId',
      '/currentRetryCount',
      '/requestTimestamp',
      '/jobType',
    ]);
    expect(problems.find((p) => p.pointer === '/jobResult')?.message).to.match(/not a OrchestratorJobStatusJobResult.*2 \(Success\)/);
  });

  it('names missing required fields', () => {
    const { jobId, jobTypeId, ...rest } = event();
    void jobId, jobTypeId;
    expect(problemsOf(rest).map((p) => p.pointer)).to.have.members(['/jobId', '/jobTypeId']);
  });

  it('refuses unknown fields so typos do not pass silently', () => {
    const problems = problemsOf(event(GUID_A, { jobTypeGuid: GUID_A }));
    expect(problems).to.have.length(1);
    expect(problems[0]!.message).to.match(/unknown field 'jobTypeGuid'/);
  });

  it('refuses a field given twice in different letter case', () => {
    expect(problemsOf(event(GUID_A, { JobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8' })).map((p) => p.pointer)).to.include('/JobId');
  });

  it('refuses something that is not an object', () => {
    expect(problemsOf([1, 2])[0]!.message).to.match(/JSON object/);
    expect(problemsOf(null)[0]!.message).to.match(/JSON object/);
  });

  it('keeps the text of every form of timestamp and GUID it accepts as toISOString and lower case spell them', () => {
    const e = normalizeEvent(
      event('{B0000000-0000-4000-8000-00000000000A}', { agentId: ' 7F1C2B9E-3D4A-4E5F-8A6B-1C2D3E4F5A6B ', requestTimestamp: '2024-02-29T23:59:59.5+01:00' }),
    );
    expect(e.jobTypeId).to.equal('b0000000-0000-4000-8000-00000000000a');
    expect(e.agentId).to.equal('7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b');
    expect(e.requestTimestamp).to.equal(new Date('2024-02-29T23:59:59.5+01:00').toISOString());
    expect(normalizeEvent(event(GUID_A, { requestTimestamp: '+275760-09-13T00:00:00.000Z' })).requestTimestamp).to.equal('+275760-09-13T00:00:00.000Z');
  });

  it('reports a field given twice under the spelling that came second, and a required field given as undefined as missing', () => {
    const { jobId, jobType, ...rest } = event();
    void jobId, jobType;
    const problems = problemsOf({ ...rest, jobId: undefined, JOBTYPE: 'X', jobtype: 'Y' });
    expect(problems.map((p) => p.pointer)).to.have.members(['/jobtype', '/jobId']);
  });
});
