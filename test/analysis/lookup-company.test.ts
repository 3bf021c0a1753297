import { describe, expect, it } from 'vitest';
import { boundedDistance, completeCompanies, lookupCompany } from '../../src/analysis/lookup-company.ts';

const matchId = (query: string) => lookupCompany(query).match?.id;
const suggestionIds = (query: string) => lookupCompany(query).suggestions.map((c) => c.id);

describe('lookupCompany', () => {
  it('accepts ids, names and aliases in any case, with or without accents and spaces', () => {
    expect(matchId('amazon')).toBe('amazon');
    expect(matchId('telefonica')).toBe('telefonica');
    expect(matchId('TELEFÓNICA')).toBe('telefonica');
    expect(matchId('o2')).toBe('o2');
    expect(matchId('whats app')).toBe('whatsapp');
    expect(matchId('Facebook')).toBe('meta');
    expect(matchId('deutsche-telekom')).toBe('deutsche-telekom');
    expect(matchId('  Telekom  ')).toBe('deutsche-telekom');
    expect(matchId('skoda')).toBe('skoda');
    expect(lookupCompany('Amazon').suggestions).toEqual([]);
  });

  it('suggests close names for typos, best first, at most five', () => {
    expect(matchId('amazn')).toBeUndefined();
    expect(suggestionIds('amazn')[0]).toBe('amazon');
    expect(suggestionIds('gogle')[0]).toBe('google');
    expect(suggestionIds('micrsoft')[0]).toBe('microsoft');
    expect(suggestionIds('telefnoica')[0]).toBe('telefonica');
    expect(suggestionIds('tele').length).toBeLessThanOrEqual(5);
  });

  it('returns nothing for unrelated, empty or overlong queries', () => {
    expect(lookupCompany('qwxzvbnm')).toEqual({ suggestions: [] });
    expect(lookupCompany('')).toEqual({ suggestions: [] });
    expect(lookupCompany('!!!')).toEqual({ suggestions: [] });
    expect(lookupCompany('a'.repeat(100_000)).match).toBeUndefined();
  });
});

describe('boundedDistance', () => {
  it('counts edits and adjacent swaps, and stops past the limit', () => {
    expect(boundedDistance('google', 'google', 2)).toBe(0);
    expect(boundedDistance('gogle', 'google', 2)).toBe(1);
    expect(boundedDistance('gooelg', 'google', 2)).toBe(2);
    expect(boundedDistance('ab', 'ba', 1)).toBe(1);
    expect(boundedDistance('amazon', 'zalando', 1)).toBe(2);
    expect(boundedDistance('a', 'abcdef', 2)).toBe(3);
  });
});

describe('completeCompanies', () => {
  it('completes names and aliases by prefix, names first, case and accents folded', () => {
    const ids = completeCompanies('TELE').map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(['telefonica', 'telefonica-deutschland', 'telegram']);
    expect(ids).toEqual(expect.arrayContaining(['deutsche-telekom', 'o2']));
    expect(completeCompanies('telefó').map((c) => c.id)).toContain('telefonica');
  });

  it('completes later words of a name', () => {
    expect(completeCompanies('krankenkasse').map((c) => c.id)).toEqual(['tk']);
  });

  it('respects the limit and lists companies A–Z for an empty prefix', () => {
    expect(completeCompanies('', 25)).toHaveLength(25);
    expect(completeCompanies('a', 3)).toHaveLength(3);
    const names = completeCompanies('', 10).map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(completeCompanies('zzzzqq')).toEqual([]);
  });
});
