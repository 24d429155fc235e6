import { expect } from 'chai';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, event } from '../../support/foundation-plugins.js';

describe('job-completion event validation: where the event came from', () => {
  it('leaves source and jobHistoryId out of a pushed event that does not give them', () => {
    const e = normalizeEvent(event(GUID_A));
    expect(e).to.not.have.property('source');
    expect(e).to.not.have.property('jobHistoryId');
  });

  it("keeps a polled event's source and job-history row, in either letter case", () => {
    expect(normalizeEvent(event(GUID_A, { source: 'poll', jobHistoryId: 1234 }))).to.include({ source: 'poll', jobHistoryId: 1234 });
    expect(normalizeEvent({ ...event(GUID_A), Source: 'push', JobHistoryId: null })).to.include({ source: 'push', jobHistoryId: null });
  });

  it('refuses another source and a history id that is not a non-negative integer', () => {
    expect(() => normalizeEvent(event(GUID_A, { source: 'email', jobHistoryId: -1 }))).to.throw(/\/source: must be 'push' or 'poll'.*\/jobHistoryId: must be a non-negative integer/);
  });
});
