import type { DigestSetting } from '../model/channel.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One day's digest of a channel: its local date (the slot's identity) and the instant it is due. */
export interface DigestSlot {
  /** yyyy-mm-dd in the channel's zone. */
  localDate: string;
  at: Date;
}

/**
 * The digest a channel should get now, if any: the most recent slot (today's or yesterday's local HH:MM) that has
 * come, was not covered by the channel's last digest, and is at most `graceMs` old — so a bot that was down at
 * 08:00 still sends that morning's digest when it comes back, once, and a bot down for days does not send a
 * backlog. Wall-clock times that do not exist (02:30 on the spring-forward day) fall to the same minute after
 * the clocks moved (03:30); times that exist twice (02:30 on the fall-back day) count once, at the first.
 */
export function dueDigestSlot(setting: DigestSetting, lastDigestAt: string | undefined, now: Date, graceMs: number): DigestSlot | undefined {
  const last = lastDigestAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(lastDigestAt);
  const today = localDateOf(now.getTime(), setting.timezone);
  for (const localDate of [today, addDays(today, -1)]) {
    const at = zonedInstant(localDate, setting.time, setting.timezone);
    if (at <= now.getTime() && now.getTime() - at <= graceMs && !(last >= at)) return { localDate, at: new Date(at) };
    if (at <= now.getTime()) return undefined; // the latest slot that has come was sent (or is too old): nothing older is due
  }
  return undefined;
}

/**
 * The instant a local date and HH:MM mean in an IANA zone (see dueDigestSlot for gaps and repeats). Remembered:
 * the minute tick asks it for every digest channel, and thousands of channels share a few zones and times, while
 * each answer costs several Intl calls.
 */
export function zonedInstant(localDate: string, time: string, timeZone: string): number {
  return remembered(instants, `${localDate} ${time} ${timeZone}`, () => computeZonedInstant(localDate, time, timeZone));
}

function computeZonedInstant(localDate: string, time: string, timeZone: string): number {
  const [year, month, day] = localDate.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The zone's offsets a day either side of the wall time: one of them is right unless the time is in a gap.
  const candidates = [...new Set([wall - offsetAt(wall - DAY_MS, timeZone), wall - offsetAt(wall + DAY_MS, timeZone)])]
    .filter((instant) => wallClockOf(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  // In a gap no instant shows this wall time: the offset before the change carries it past the gap.
  return candidates[0] ?? wall - offsetAt(wall - DAY_MS, timeZone);
}

/** yyyy-mm-dd of an instant in a zone. */
export function localDateOf(instant: number, timeZone: string): string {
  return new Date(wallClockOf(instant, timeZone)).toISOString().slice(0, 10);
}

/** The zone's wall-clock time at an instant, as if it were UTC (milliseconds), to the minute. */
function wallClockOf(instant: number, timeZone: string): number {
  const minute = Math.floor(instant / MINUTE_MS) * MINUTE_MS;
  return remembered(wallClocks, `${minute} ${timeZone}`, () => computeWallClock(minute, timeZone));
}

function computeWallClock(minute: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(minute));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'));
}

function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / MINUTE_MS) * MINUTE_MS;
  return wallClockOf(whole, timeZone) - whole;
}

/** Answers kept per table before it starts afresh: far more than a minute's distinct zones and times need. */
const REMEMBERED = 10_000;
const instants = new Map<string, number>();
const wallClocks = new Map<string, number>();

function remembered(table: Map<string, number>, key: string, compute: () => number): number {
  let value = table.get(key);
  if (value === undefined) {
    if (table.size >= REMEMBERED) table.clear();
    value = compute();
    table.set(key, value);
  }
  return value;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, format);
  }
  return format;
}

function addDays(localDate: string, days: number): string {
  return new Date(Date.parse(`${localDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
