import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_CHARS, summariseExtractive, type SummaryInput } from '../../src/analysis/summarise-extractive.ts';
import type { Language } from '../../src/model/feed.ts';
import { NASTY_TEXTS } from '../fixtures/nasty-feeds.ts';
import { fuzzRuns, hostileText, storyText } from './arbitraries.ts';

/**
 * The extractive summariser under attack: whatever the article holds, the summary is at most 320
 * characters of well-formed text without control, bidi or invisible characters, made only of the
 * article's own words (nothing invented, nothing from elsewhere), the same every time, and not empty
 * when the title has a word in it. Time is not asserted here (bench/hostile-inputs.ts measures it).
 */

/** What the sentence splitter removes before anything is read: controls become spaces, bidi and invisible characters go. */
function sanitised(text: string): string {
  return text
    .toWellFormed()
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ')
    .replace(/[\u202A-\u202E\u2066-\u2069\u200B\uFEFF]/g, '');
}

/** What is wrong with the summary of `input`. */
function summaryProblems(input: SummaryInput, summary: string): string[] {
  const problems: string[] = [];
  if (summary.length > SUMMARY_MAX_CHARS) problems.push(`longer than ${SUMMARY_MAX_CHARS}`);
  if (!summary.isWellFormed()) problems.push('not well-formed');
  if (/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B\uFEFF]/.test(summary)) problems.push('control, bidi or invisible characters');
  if (summary !== summary.trim()) problems.push('not trimmed');
  const source = `${sanitised(input.text)}\n${sanitised(input.title)}`;
  for (const word of summary.replace(/…$/, '').split(/\s+/)) {
    if (word !== '' && !source.includes(word)) problems.push(`invented ${JSON.stringify(word)}`);
  }
  if (/[\p{L}\p{N}]/u.test(sanitised(input.title.slice(0, 1_000))) && summary === '') problems.push('empty although the title has words');
  return problems;
}

const summaryInput: fc.Arbitrary<SummaryInput> = fc.record({
  title: fc.oneof(hostileText(20), storyText(2)),
  text: fc.oneof(storyText(20), hostileText(80)),
  language: fc.constantFrom<Language>('de', 'en', 'fr' as Language),
  companies: fc.array(fc.oneof(fc.constantFrom('Amazon', 'Deutsche Telekom', 'Telefónica', 'O2', ''), hostileText(3)), { maxLength: 5 }),
});

describe('summariseExtractive: arbitrary articles', () => {
  it('summarises in at most 320 well-formed characters, only in the article’s own words', () => {
    fc.assert(
      fc.property(summaryInput, (input) => {
        expect(summaryProblems(input, summariseExtractive(input))).toEqual([]);
      }),
      fuzzRuns(400),
    );
  });

  it('gives the same summary for the same article', () => {
    fc.assert(
      fc.property(summaryInput, (input) => {
        expect(summariseExtractive({ ...input })).toBe(summariseExtractive(input));
      }),
      fuzzRuns(100),
    );
  });

  it('never throws when the fields are not what the types promise', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), (title, text, language, companies) => {
        const summary = summariseExtractive({ title, text, language, companies } as unknown as SummaryInput);
        expect(typeof summary).toBe('string');
        expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
      }),
      fuzzRuns(200),
    );
  });

  it.each(NASTY_TEXTS.map((text) => [text.name, text] as const))('summarises the nasty text %s', (_name, nasty) => {
    const text = nasty.build();
    const input: SummaryInput = { title: text.slice(0, 2_000), text, language: 'de', companies: [text.slice(0, 50), 'Amazon'] };
    expect(summaryProblems(input, summariseExtractive(input))).toEqual([]);
  });
});
