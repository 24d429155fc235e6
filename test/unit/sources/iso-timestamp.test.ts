import { expect } from 'chai';
import { isoTimestamp } from '../../../host/dist/sources/iso-timestamp.js';

const MAX_MS = 8.64e15;

describe('isoTimestamp', () => {
  it('spells what toISOString spells, at the edges of days, months, leap years, centuries and the range', () => {
    const edges = [
      0,
      -1,
      1,
      Date.parse('2026-11-30T02:00:00.000Z'),
      Date.parse('2000-02-29T23:59:59.999Z'),
      Date.parse('1900-02-28T23:59:59.999Z'),
      Date.parse('1900-03-01T00:00:00.000Z'),
      Date.parse('2100-03-01T00:00:00.000Z'),
      Date.parse('1969-12-31T23:59:59.999Z'),
      Date.parse('0000-01-01T00:00:00.000Z'),
      Date.parse('0000-01-01T00:00:00.000Z') - 1,
      Date.parse('9999-12-31T23:59:59.999Z'),
      Date.parse('9999-12-31T23:59:59.999Z') + 1,
      Date.parse('0999-07-04T05:06:07.089Z'),
      MAX_MS,
      -MAX_MS,
    ];
    for (const ms of edges) expect(isoTimestamp(ms), String(ms)).to.equal(new Date(ms).toISOString());
  });

  it('spells what toISOString spells across the whole range of time values', () => {
    // Deterministic, so a failure names the same values on every run.
    let seed = 0x9e3779b9;
    const next = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 20_000; i++) {
      // Half across the whole range, half within the years 1900–2200 an event carries.
      const ms = i % 2 === 0 ? Math.floor((next() * 2 - 1) * MAX_MS) : Math.floor(-2.2e12 + next() * 9.5e12);
      expect(isoTimestamp(ms), String(ms)).to.equal(new Date(ms).toISOString());
    }
  });
});
