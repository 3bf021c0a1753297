import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { squashName } from '../../src/analysis/company-tokens.ts';
import { boundedDistance, completeCompanies, lookupCompany, type CompanyLookup } from '../../src/analysis/lookup-company.ts';
import type { Company } from '../../src/model/analysis.ts';
import { NASTY_QUERIES } from '../fixtures/nasty-feeds.ts';
import { fuzzRuns, hostileText } from './arbitraries.ts';

/**
 * The company look-up under attack: any query ends in a match or at most five suggestions from the
 * gazetteer, never an exception; every name and alias is found however it is cased and spaced; one
 * typo still finds it; completion lists only companies whose names start so; and the bounded edit
 * distance agrees with a plain one wherever it is within its limit.
 */

const gazetteer = loadGazetteer();
const COMPANIES = new Set(gazetteer.companies);

function lookupProblems(result: CompanyLookup): string[] {
  const problems: string[] = [];
  if (result.match !== undefined && !COMPANIES.has(result.match)) problems.push('a match not from the gazetteer');
  if (result.match !== undefined && result.suggestions.length > 0) problems.push('both a match and suggestions');
  if (result.suggestions.length > 5) problems.push('more than five suggestions');
  if (new Set(result.suggestions).size !== result.suggestions.length) problems.push('repeated suggestions');
  if (!result.suggestions.every((company) => COMPANIES.has(company))) problems.push('a suggestion not from the gazetteer');
  return problems;
}

/** The names a company is typed by: its name, aliases and id. */
const namesOf = (company: Company): string[] => [company.name, ...company.aliases, company.id];

/** Optimal-string-alignment distance without a bound: the plain dynamic programme. */
function plainDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

/** A name of a company as someone might type it: any case, spaces and punctuation sprinkled in, padded. */
const typedName = fc
  .tuple(fc.constantFrom(...gazetteer.companies), fc.nat(), fc.array(fc.constantFrom(' ', '-', '.', '_', '/', '  '), { maxLength: 4 }), fc.nat())
  .chain(([company, n, separators, at]) => {
    const names = [company.name, ...company.aliases];
    const name = names[n % names.length]!;
    const spaced = separators.reduce((text, separator, i) => {
      const cut = (at + i * 7) % (text.length + 1);
      return text.slice(0, cut) + separator + text.slice(cut);
    }, name);
    return fc.mixedCase(fc.constant(spaced.length <= 100 ? spaced : name)).map((typed) => ({ company, typed: ` ${typed}\t` }));
  });

/** A company's squashed name with one typo: a letter dropped, added, replaced or two swapped. */
const misspelt = fc
  .tuple(fc.constantFrom(...gazetteer.companies.filter((c) => squashName(c.name).length >= 4)), fc.constantFrom('drop', 'add', 'replace', 'swap'), fc.nat(), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'))
  .map(([company, kind, n, letter]) => {
    const key = squashName(company.name);
    const i = n % key.length;
    const typo =
      kind === 'drop' ? key.slice(0, i) + key.slice(i + 1)
      : kind === 'add' ? key.slice(0, i) + letter + key.slice(i)
      : kind === 'replace' ? key.slice(0, i) + letter + key.slice(i + 1)
      : i + 1 < key.length ? key.slice(0, i) + key[i + 1]! + key[i]! + key.slice(i + 2) : key.slice(0, i) + letter;
    return { company, typo };
  });

describe('lookupCompany: arbitrary queries', () => {
  it('answers with a match or at most five suggestions from the gazetteer', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(10), fc.string({ unit: 'binary', maxLength: 120 })), (query) => {
        expect(lookupProblems(lookupCompany(query, gazetteer))).toEqual([]);
      }),
      fuzzRuns(500),
    );
  });

  it('finds every name and alias however it is cased, spaced and punctuated', () => {
    fc.assert(
      fc.property(typedName, ({ company, typed }) => {
        expect(lookupCompany(typed, gazetteer).match?.id).toBe(company.id);
      }),
      fuzzRuns(500),
    );
  });

  it('finds every company by its id', () => {
    for (const company of gazetteer.companies) expect(lookupCompany(company.id, gazetteer).match, company.id).toBeDefined();
  });

  it('still finds a name with one typo: as a match, a suggestion, or behind five names at least as close', () => {
    fc.assert(
      fc.property(misspelt, ({ company, typo }) => {
        const { match, suggestions } = lookupCompany(typo, gazetteer);
        expect(match !== undefined || suggestions.includes(company) || suggestions.length === 5).toBe(true);
      }),
      fuzzRuns(500),
    );
  });

  it.each(NASTY_QUERIES.map((query) => [query.name, query] as const))('answers the nasty query %s', (_name, query) => {
    expect(lookupProblems(lookupCompany(query.build(), gazetteer))).toEqual([]);
  });
});

describe('completeCompanies: arbitrary prefixes', () => {
  it('lists at most `limit` distinct companies, each with a name or name word starting so', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(4), fc.string({ maxLength: 6 })), fc.integer({ min: -3, max: 60 }), (prefix, limit) => {
        const key = squashName(prefix.slice(0, 100));
        const completed = completeCompanies(prefix, limit, gazetteer);
        expect(completed.length).toBeLessThanOrEqual(Math.max(0, limit));
        expect(new Set(completed).size).toBe(completed.length);
        for (const company of completed) {
          const words = namesOf(company).flatMap((name) => [name, ...name.split(/[\s\-/]+/)]).map(squashName);
          expect(words.some((word) => word.startsWith(key)), company.id).toBe(true);
        }
      }),
      fuzzRuns(300),
    );
  });

  it('completes every company from its own full name', () => {
    for (const company of gazetteer.companies) {
      expect(completeCompanies(company.name, gazetteer.companies.length, gazetteer), company.id).toContain(company);
    }
  });

  it.each(NASTY_QUERIES.map((query) => [query.name, query] as const))('completes the nasty prefix %s', (_name, query) => {
    const completed = completeCompanies(query.build(), 25, gazetteer);
    expect(completed.length).toBeLessThanOrEqual(25);
    expect(completed.every((company) => COMPANIES.has(company))).toBe(true);
  });
});

describe('boundedDistance', () => {
  const shortText = fc.string({ unit: fc.constantFrom(...'abcdeé'), maxLength: 10 });

  it('agrees with the plain distance up to its limit, and says limit + 1 beyond it', () => {
    fc.assert(
      fc.property(shortText, shortText, fc.nat({ max: 5 }), (a, b, limit) => {
        expect(boundedDistance(a, b, limit)).toBe(Math.min(plainDistance(a, b), limit + 1));
      }),
      fuzzRuns(500),
    );
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(shortText, shortText, fc.nat({ max: 5 }), (a, b, limit) => {
        expect(boundedDistance(a, b, limit)).toBe(boundedDistance(b, a, limit));
      }),
      fuzzRuns(300),
    );
  });
});
