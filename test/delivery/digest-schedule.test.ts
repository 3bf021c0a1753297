import { describe, expect, it } from 'vitest';
import { dueDigestSlot, localDateOf, zonedInstant } from '../../src/delivery/digest-schedule.ts';

const HOUR = 3_600_000;
const GRACE = 6 * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('zonedInstant', () => {
  it.each([
    ['2026-11-23', '08:00', 'Europe/Berlin', '2026-11-23T07:00:00.000Z'],
    ['2026-07-01', '08:00', 'Europe/Berlin', '2026-07-01T06:00:00.000Z'],
    ['2026-11-23', '08:00', 'America/New_York', '2026-11-23T13:00:00.000Z'],
    ['2026-11-23', '08:00', 'Asia/Kolkata', '2026-11-23T02:30:00.000Z'],
    ['2026-11-23', '00:00', 'Pacific/Kiritimati', '2026-11-22T10:00:00.000Z'],
    ['2026-11-23', '23:59', 'UTC', '2026-11-23T23:59:00.000Z'],
  ])('%s %s in %s is %s', (date, time, zone, expected) => {
    expect(iso(zonedInstant(date, time, zone))).toBe(expected);
  });

  it('moves a time the spring-forward gap skips to the same minute after it', () => {
    // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist and becomes 03:30 CEST.
    expect(iso(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    // New York, 8 March 2026.
    expect(iso(zonedInstant('2026-03-08', '02:15', 'America/New_York'))).toBe('2026-03-08T07:15:00.000Z');
  });

  it('takes the first of a time the fall-back hour repeats', () => {
    // Berlin, 25 October 2026: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(iso(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('knows the local date of an instant', () => {
    expect(localDateOf(Date.parse('2026-11-23T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-24');
    expect(localDateOf(Date.parse('2026-11-23T03:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-22');
  });
});

describe('dueDigestSlot', () => {
  const berlin = { time: '08:00', timezone: 'Europe/Berlin' };

  it('is due from the local time on, once', () => {
    // Yesterday's slot is a day old: past the grace period, so nothing is due before 08:00.
    expect(dueDigestSlot(berlin, undefined, new Date('2026-11-23T06:59:00Z'), GRACE)).toBeUndefined();
    expect(dueDigestSlot(berlin, undefined, new Date('2026-11-23T09:00:00Z'), GRACE)?.localDate).toBe('2026-11-23');
    expect(dueDigestSlot(berlin, '2026-11-22T07:00:10Z', new Date('2026-11-23T06:59:00Z'), GRACE)).toBeUndefined();
    const slot = dueDigestSlot(berlin, '2026-11-22T07:00:10Z', new Date('2026-11-23T07:00:00Z'), GRACE);
    expect(slot).toEqual({ localDate: '2026-11-23', at: new Date('2026-11-23T07:00:00Z') });
    expect(dueDigestSlot(berlin, '2026-11-23T07:00:05Z', new Date('2026-11-23T07:01:00Z'), GRACE)).toBeUndefined();
  });

  it('sends a missed digest within the grace period, and not a backlog after it', () => {
    expect(dueDigestSlot(berlin, '2026-11-22T07:00:00Z', new Date('2026-11-23T12:59:00Z'), GRACE)?.localDate).toBe('2026-11-23');
    expect(dueDigestSlot(berlin, '2026-11-22T07:00:00Z', new Date('2026-11-23T13:01:00Z'), GRACE)).toBeUndefined();
    expect(dueDigestSlot(berlin, '2026-11-01T07:00:00Z', new Date('2026-11-23T13:01:00Z'), GRACE)).toBeUndefined();
  });

  it('delivers once per day right across daylight-saving changes, ticking every minute', () => {
    for (const [zone, time, from, days] of [
      ['Europe/Berlin', '02:30', '2026-03-27T00:00:00Z', 4],
      ['Europe/Berlin', '02:30', '2026-10-23T00:00:00Z', 4],
      ['America/New_York', '02:15', '2026-03-06T00:00:00Z', 4],
      ['America/New_York', '01:30', '2026-10-30T00:00:00Z', 4],
      ['Australia/Lord_Howe', '02:15', '2026-10-02T00:00:00Z', 4],
      ['Asia/Kolkata', '08:00', '2026-11-20T00:00:00Z', 3],
    ] as const) {
      let last: string | undefined;
      const sent: string[] = [];
      for (let t = Date.parse(from); t < Date.parse(from) + days * 24 * HOUR; t += 60_000) {
        const slot = dueDigestSlot({ time, timezone: zone }, last, new Date(t), GRACE);
        if (slot) {
          sent.push(slot.localDate);
          last = iso(t);
        }
      }
      // The first tick may send the previous day's (within grace); after that exactly one per local day.
      const distinct = new Set(sent);
      expect(distinct.size, zone).toBe(sent.length);
      expect(sent.length, `${zone} ${from}`).toBeGreaterThanOrEqual(days);
      expect(sent.length, `${zone} ${from}`).toBeLessThanOrEqual(days + 1);
    }
  });
});
