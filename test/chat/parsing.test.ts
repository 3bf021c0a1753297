import { describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/chat/command.ts';
import { canonicalTimezone, completeTimezones, parseTimeOfDay } from '../../src/chat/digest-time.ts';
import { decodeInvocation, encodeInvocation, MAX_ENCODED_INVOCATION } from '../../src/chat/invocation-codec.ts';
import { parseSince } from '../../src/chat/parse-since.ts';
import { t, type MessageKey } from '../../src/chat/translate.ts';
import data from '../../src/chat/data/messages.json' with { type: 'json' };

/**
 * The small parsers behind chat commands: everything they read was typed by a user or came back from a
 * button, so each one must answer `undefined` (never throw) for anything it does not understand.
 */

const NOW = new Date('2026-11-23T12:00:00.000Z');

describe('parseSince', () => {
  it('reads a date as midnight UTC', () => {
    expect(parseSince('2026-11-01', NOW)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('  2026-11-01 ', NOW)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2024-02-29', NOW)).toBe('2024-02-29T00:00:00.000Z');
  });

  it('reads spans of days, weeks, months (30 days) and years (365 days) back from now', () => {
    expect(parseSince('7d', NOW)).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('4w', NOW)).toBe('2026-10-26T12:00:00.000Z');
    expect(parseSince('6m', NOW)).toBe('2026-05-27T12:00:00.000Z');
    expect(parseSince('1y', NOW)).toBe('2025-11-23T12:00:00.000Z');
  });

  it('accepts upper case units and a space before the unit', () => {
    expect(parseSince('7D', NOW)).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('7 d', NOW)).toBe('2026-11-16T12:00:00.000Z');
  });

  it('rejects dates that do not exist', () => {
    for (const text of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-11-00']) {
      expect(parseSince(text, NOW), text).toBeUndefined();
    }
  });

  it('accepts today but rejects a future date', () => {
    expect(parseSince('2026-11-23', NOW)).toBe('2026-11-23T00:00:00.000Z');
    expect(parseSince('2026-11-24', NOW)).toBeUndefined();
    expect(parseSince('2030-01-01', NOW)).toBeUndefined();
  });

  it('rejects garbage', () => {
    const garbage = ['', '   ', 'yesterday', '7', 'd', '-7d', '7dd', '7h', '12345d', '2026-1-1', '2026/11/01', '01.11.2026', '<@123>', 'x'.repeat(10_000)];
    for (const text of garbage) expect(parseSince(text, NOW), text).toBeUndefined();
  });

  it('gives a valid date in the past even for the largest span it accepts', () => {
    const since = parseSince('9999y', NOW);
    expect(since).toBeDefined();
    expect(Date.parse(since!)).toBeLessThan(NOW.getTime());
  });
});

describe('parseTimeOfDay', () => {
  it('reads hours with colon, dot or without minutes, as HH:MM', () => {
    expect(parseTimeOfDay('8:00')).toBe('08:00');
    expect(parseTimeOfDay('08:00')).toBe('08:00');
    expect(parseTimeOfDay('8.30')).toBe('08:30');
    expect(parseTimeOfDay('18')).toBe('18:00');
    expect(parseTimeOfDay(' 23:59 ')).toBe('23:59');
    expect(parseTimeOfDay('0:00')).toBe('00:00');
  });

  it('rejects times that are not on a 24-hour clock', () => {
    for (const text of ['24:00', '7:60', '25', '99:99', '-1:00']) expect(parseTimeOfDay(text), text).toBeUndefined();
  });

  it('rejects garbage', () => {
    for (const text of ['abc', '', '8:0', '8:000', '123:00', '8 Uhr', '8:00pm', '08:00:00', '1'.repeat(1000)]) {
      expect(parseTimeOfDay(text), text).toBeUndefined();
    }
  });
});

describe('canonicalTimezone', () => {
  it('spells a zone canonically whatever the case', () => {
    expect(canonicalTimezone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimezone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimezone('  EUROPE/VIENNA ')).toBe('Europe/Vienna');
    expect(canonicalTimezone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimezone('utc')).toBe('UTC');
  });

  it('accepts current names that the runtime files under an older one', () => {
    expect(canonicalTimezone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(canonicalTimezone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimezone('etc/utc')).toMatch(/^(Etc\/UTC|UTC)$/);
    // Typed in lower case, it is spelled the way the runtime names the zone: still a zone every API accepts.
    const kyiv = canonicalTimezone('europe/kyiv');
    expect(kyiv).toBeDefined();
    expect(() => new Intl.DateTimeFormat('en', { timeZone: kyiv })).not.toThrow();
  });

  it('rejects unknown zones and garbage', () => {
    for (const text of ['Mars/Olympus_Mons', 'Berlin', 'Europe/', '', '+02:00', 'x'.repeat(500)]) {
      expect(canonicalTimezone(text), text).toBeUndefined();
    }
  });
});

describe('completeTimezones', () => {
  it('lists zones starting with what was typed before zones merely containing it', () => {
    const zones = completeTimezones('am', 500);
    const starts = zones.map((zone) => zone.toLowerCase().startsWith('am'));
    expect(starts.indexOf(false)).toBeGreaterThan(0);
    expect(starts.lastIndexOf(true)).toBeLessThan(starts.indexOf(false));
    expect(zones).toContain('Europe/Amsterdam');
    expect(zones.every((zone) => zone.toLowerCase().includes('am'))).toBe(true);
  });

  it('matches case-insensitively and reads spaces as underscores', () => {
    expect(completeTimezones('BERLIN')).toEqual(['Europe/Berlin']);
    expect(completeTimezones('new york')).toContain('America/New_York');
  });

  it('respects the limit', () => {
    expect(completeTimezones('a')).toHaveLength(25);
    expect(completeTimezones('europe/', 3)).toHaveLength(3);
    expect(completeTimezones('', 2)).toHaveLength(2);
  });

  it('suggests common zones, all valid, when nothing is typed yet', () => {
    for (const typed of ['', '   ']) {
      const zones = completeTimezones(typed);
      expect(zones[0]).toBe('Europe/Berlin');
      for (const zone of zones) expect(canonicalTimezone(zone)).toBe(zone);
    }
  });

  it('suggests nothing for text no zone contains', () => {
    expect(completeTimezones('xyzzy')).toEqual([]);
    expect(completeTimezones('q'.repeat(10_000))).toEqual([]);
  });
});

describe('encodeInvocation and decodeInvocation', () => {
  it('round-trips a command with options holding separators, percent signs and unicode', () => {
    const invocation: Invocation = { command: 'incidents', options: { company: 'a|b=c%d', since: 'Ä☂日' } };
    const encoded = encodeInvocation(invocation);
    expect(encoded).toBeDefined();
    expect(encoded!.split('|')).toHaveLength(3);
    expect(decodeInvocation(encoded!)).toEqual(invocation);
  });

  it('round-trips a subcommand', () => {
    const invocation: Invocation = { command: 'digest', subcommand: 'daily', options: { time: '08:00', timezone: 'Europe/Berlin' } };
    expect(decodeInvocation(encodeInvocation(invocation)!)).toEqual(invocation);
  });

  it('round-trips a command without options, and numbers come back as text for the usual option validation', () => {
    expect(decodeInvocation(encodeInvocation({ command: 'help', options: {} })!)).toEqual({ command: 'help', options: {} });
    expect(decodeInvocation(encodeInvocation({ command: 'incidents', options: { page: 2 } })!)).toEqual({ command: 'incidents', options: { page: '2' } });
  });

  it('gives undefined when the encoded form would exceed 100 characters, counting the percent-encoding', () => {
    const head = 'incidents|company='; // 18 characters
    const fits = encodeInvocation({ command: 'incidents', options: { company: 'x'.repeat(MAX_ENCODED_INVOCATION - head.length) } });
    expect(fits).toHaveLength(MAX_ENCODED_INVOCATION);
    expect(encodeInvocation({ command: 'incidents', options: { company: 'x'.repeat(MAX_ENCODED_INVOCATION - head.length + 1) } })).toBeUndefined();
    // 20 characters, but 120 once percent-encoded.
    expect(encodeInvocation({ command: 'incidents', options: { company: 'ü'.repeat(20) } })).toBeUndefined();
  });

  it('rejects malformed and hostile strings', () => {
    const hostile = [
      '',
      'Incidents',
      'INCIDENTS|company=x',
      'incidents|Company=x',
      'incidents|com_pany=x',
      'incidents|__proto__=x',
      'incidents|=x',
      'incidents|company',
      'incidents|',
      '|company=x',
      'incidents|company=%',
      'incidents|company=%E0%A4%A',
      'incidents|company=%ZZ',
      'digest Daily',
      'digest daily extra',
      'digest  daily',
      `${'a'.repeat(33)}`,
      'help<@123>',
      `incidents|company=${'x'.repeat(MAX_ENCODED_INVOCATION)}`,
    ];
    for (const text of hostile) expect(decodeInvocation(text), text).toBeUndefined();
  });
});

describe('t', () => {
  it('fills placeholders', () => {
    expect(t('en', 'company.withSubsidiaries', { name: 'Amazon', subsidiaries: 'Ring' })).toBe('Amazon (with Ring)');
    expect(t('de', 'company.withSubsidiaries', { name: 'Amazon', subsidiaries: 'Ring' })).toBe('Amazon (mit Ring)');
    expect(t('en', 'company.incidentCount', { count: 3 })).toBe('3 incidents');
  });

  it('does not expand a placeholder inside a value, nor replacement patterns', () => {
    expect(t('en', 'company.withSubsidiaries', { name: '{subsidiaries}', subsidiaries: 'Ring' })).toBe('{subsidiaries} (with Ring)');
    expect(t('en', 'company.unknown', { query: '$& $1 $$' })).toBe('I don\'t know a company called "$& $1 $$".');
  });

  it('leaves a placeholder without a value visible', () => {
    expect(t('en', 'company.withSubsidiaries', { name: 'Amazon' })).toBe('Amazon (with {subsidiaries})');
    expect(t('de', 'company.withSubsidiaries')).toBe('{name} (mit {subsidiaries})');
  });

  it('ignores a value named like an inherited property', () => {
    expect(t('en', 'company.unknown', {})).toContain('{query}');
    expect(t('en', 'company.withSubsidiaries', { toString: 'x' })).toBe('{name} (with {subsidiaries})');
  });
});

describe('messages.json', () => {
  const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]!))].sort();
  const messages: Record<string, Record<string, unknown>> = data.messages;
  const keys = Object.keys(messages);

  it('has messages', () => {
    expect(keys.length).toBeGreaterThan(10);
  });

  it.each(keys)('%s exists in English and German with the same placeholders', (key) => {
    const { en, de } = messages[key]!;
    expect(typeof en === 'string' && en.trim() !== '', 'en').toBe(true);
    expect(typeof de === 'string' && de.trim() !== '', 'de').toBe(true);
    expect(placeholders(de as string)).toEqual(placeholders(en as string));
    expect(t('de', key as MessageKey)).toBe(de);
  });
});
