import { expect } from 'chai';
import {
  certificateMetadataUpdate,
  CertStoreOperationType,
  jobHistoryQuery,
  JobHistoryStatus,
  OrchestratorJobStatusJobResult,
  parseJobHistoryStatus,
  parseJobResult,
  parseOperationType,
  parsePlatformTimestamp,
} from '@jobhook/sdk';

describe('SDK helpers for the platform’s answers', () => {
  it('parses enums sent as numbers, numeric strings or names in any case', () => {
    expect(parseJobResult(4)).to.equal(OrchestratorJobStatusJobResult.Failure);
    expect(parseJobResult('4')).to.equal(OrchestratorJobStatusJobResult.Failure);
    expect(parseJobResult('failure')).to.equal(OrchestratorJobStatusJobResult.Failure);
    expect(parseJobHistoryStatus('CompletedWillRetry')).to.equal(JobHistoryStatus.CompletedWillRetry);
    expect(parseOperationType('Add')).to.equal(CertStoreOperationType.Add);
  });

  it('refuses a value that is no member, naming what was parsed and what is accepted', () => {
    expect(() => parseJobResult(1)).to.throw(/job result: 1 is not one of Unknown \(0\), Success \(2\), Warning \(3\), Failure \(4\)/).with.property('code', 'PLATFORM_ENUM_INVALID');
    expect(() => parseJobHistoryStatus('Done')).to.throw(/job history status: "Done"/);
  });

  it('reads zone-less timestamps in the zone given, and keeps a zone the string carries', () => {
    expect(parsePlatformTimestamp('2026-01-15T08:30:00', { zone: 'UTC' })?.toISOString()).to.equal('2026-01-15T08:30:00.000Z');
    expect(parsePlatformTimestamp('2026-01-15T08:30:00.1234567', { zone: '+02:00' })?.toISOString()).to.equal('2026-01-15T06:30:00.123Z');
    expect(parsePlatformTimestamp('2026-01-15 08:30:00', { zone: -300 })?.toISOString()).to.equal('2026-01-15T13:30:00.000Z');
    expect(parsePlatformTimestamp('2026-01-15T08:30:00Z', { zone: '+02:00' })?.toISOString()).to.equal('2026-01-15T08:30:00.000Z');
    expect(parsePlatformTimestamp(null, { zone: 'UTC' })).to.equal(null);
    expect(() => parsePlatformTimestamp('2026-02-30T08:30:00', { zone: 'UTC' })).to.throw(/not a valid date/);
    expect(() => parsePlatformTimestamp('yesterday', { zone: 'UTC' })).to.throw(TypeError);
    expect(() => parsePlatformTimestamp('2026-01-15T08:30:00', { zone: 'Europe/Paris' as never })).to.throw(/zone/);
  });

  it('builds the job-history query and the metadata update bodies', () => {
    expect(jobHistoryQuery('0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8', { returnLimit: 5 })).to.deep.equal({
      'pq.queryString': 'JobID -eq "0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8"',
      'pq.sortField': 'JobHistoryId',
      'pq.sortAscending': 1,
      'pq.returnLimit': 5,
    });
    expect(certificateMetadataUpdate(42, { Owner: 'pki', Renewals: 3 })).to.deep.equal({ Id: 42, Metadata: { Owner: 'pki', Renewals: '3' } });
    expect(() => certificateMetadataUpdate(0, {})).to.throw(/positive integer/);
  });
});
