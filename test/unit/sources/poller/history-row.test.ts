import { expect } from 'chai';
import { isTerminal, parseHistoryRow } from '../../../../host/dist/sources/poller/history-row.js';
import { polledEventKey } from '../../../../host/dist/sources/poller/row-to-event.js';

const row = (over: Record<string, unknown> = {}) => ({
  JobHistoryId: 42,
  AgentMachine: 'orch-01.example.com',
  JobId: '{0B6C3E2A-9F41-4D7E-B1A5-C3D2E1F0A9B8}',
  Schedule: { Immediate: true },
  JobType: 'PEMInventory',
  OperationStart: '2026-12-01T10:00:00',
  OperationEnd: '2026-12-01T10:00:05.250',
  Message: '',
  Result: 2,
  Status: 3,
  StorePath: '/etc/ssl',
  ClientMachine: 'web-01.example.com',
  ...over,
});

describe('job-history rows', () => {
  it('reads a row with numbers, GUIDs normalised and zone-less times as UTC', () => {
    const r = parseHistoryRow(row(), 'UTC');
    expect(r).to.deep.include({ jobHistoryId: 42, jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8', result: 2, status: 3, operationEnd: '2026-12-01T10:00:05.250Z' });
    expect(isTerminal(r)).to.equal(true);
    expect(polledEventKey(r)).to.equal('0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8:42');
  });

  it('reads zone-less times in the configured server zone and keeps a zone a time carries', () => {
    const r = parseHistoryRow(row({ OperationStart: '2026-12-01T10:00:00+00:00' }), '+02:00');
    expect(r).to.include({ operationStart: '2026-12-01T10:00:00.000Z', operationEnd: '2026-12-01T08:00:05.250Z' });
    expect(parseHistoryRow(row(), '-0500').operationEnd).to.equal('2026-12-01T15:00:05.250Z');
  });

  it('reads Status and Result sent as names, in any letter case', () => {
    const r = parseHistoryRow(row({ Status: 'completedWillRetry', Result: 'Failure' }), 'UTC');
    expect(r).to.include({ status: 5, result: 4 });
  });

  it('treats Waiting, InProcess and Unknown as not finished, Completed, Acknowledged and CompletedWillRetry as finished', () => {
    const finished = ['Waiting', 'InProcess', 'Unknown', 'Completed', 'Acknowledged', 'CompletedWillRetry'].map((s) => isTerminal(parseHistoryRow(row({ Status: s }), 'UTC')));
    expect(finished).to.deep.equal([false, false, false, true, true, true]);
  });

  it('names every bad field of a malformed row with the code POLL_PAGE_MALFORMED', () => {
    try {
      parseHistoryRow(row({ JobId: 'nope', Status: 9, OperationEnd: 'yesterday' }), 'UTC');
      expect.fail('expected an error');
    } catch (e) {
      expect((e as { code: string }).code).to.equal('POLL_PAGE_MALFORMED');
      expect((e as Error).message).to.match(/row 42.*JobId must be a GUID.*Status: job history status: 9 is not one of .*CompletedWillRetry \(5\).*OperationEnd/);
    }
  });
});
