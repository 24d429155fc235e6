import { expect } from 'chai';
import { newEventId } from '../../../host/dist/store/event-id.js';

describe('event ids', () => {
  it('are version-7 UUIDs that sort by the time they were made', () => {
    const earlier = newEventId(Date.parse('2026-11-30T02:00:00.000Z'));
    const later = newEventId(Date.parse('2026-11-30T02:00:00.001Z'));
    expect(earlier).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(earlier < later).to.equal(true);
    expect(parseInt(earlier.replace(/-/g, '').slice(0, 12), 16)).to.equal(Date.parse('2026-11-30T02:00:00.000Z'));
  });

  it('differ when made in the same millisecond', () => {
    const now = Date.now();
    expect(new Set(Array.from({ length: 1000 }, () => newEventId(now))).size).to.equal(1000);
  });
});
