import { describe, expect, it } from 'vitest';
import { compileCueSet, matchCues, tokenize } from '../../src/analysis/match-cues.ts';

const SET = compileCueSet({
  terms: { kundendaten: 2, 'customer data': 2, überwacht: 2, 'keine daten': -2 },
  near: [
    { label: 'Daten abgeflossen', weight: 3, window: 8, all: [['abgeflossen', 'abgegriffen'], ['*daten']] },
    { label: 'data exposed', weight: 3, window: 8, all: [['exposed', 'accessed'], ['=data', 'records']] },
  ],
});

/** The labels of the cues found in `text`. */
const labels = (text: string): string[] => matchCues(tokenize(text, 20_000), SET).map((hit) => hit.label).sort();

describe('matchCues: negated cues do not count', () => {
  it('a negating determiner before a cue suppresses it', () => {
    expect(labels('Nach Angaben der Kasse sind keine Kundendaten abgeflossen.')).toEqual([]);
    expect(labels('The firm said no customer data was accessed.')).toEqual([]);
    expect(labels('Es gibt keine Hinweise, dass Kundendaten abgegriffen wurden.')).toEqual([]);
  });

  it('a negating adverb right before a cue, or inside a near cue, suppresses it', () => {
    expect(labels('Die Beschäftigten werden nicht überwacht.')).toEqual([]);
    expect(labels('Die Bankdaten wurden nach Angaben der Firma nicht abgegriffen.')).toEqual([]);
    expect(labels("Records were not exposed, and the data wasn't accessed either.")).toEqual([]);
  });

  it('the same cues without negation count', () => {
    expect(labels('Bei dem Angriff sind Kundendaten abgeflossen.')).toEqual(['Daten abgeflossen', 'kundendaten']);
    expect(labels('The attackers accessed customer data.')).toEqual(['customer data', 'data exposed']);
  });

  it('a negation far before the cue, or in another sentence, does not reach it', () => {
    expect(labels('Es ist nicht klar, wie viele Kundendaten abgeflossen sind.')).toEqual(['Daten abgeflossen', 'kundendaten']);
    expect(labels('No. Hackers accessed the data of thousands.')).toEqual(['data exposed']);
  });

  it('"nicht nur" and "not only" are no negation', () => {
    expect(labels('Es wurden nicht nur Kundendaten abgegriffen.')).toContain('kundendaten');
    expect(labels('Beschäftigte werden nicht nur überwacht, sondern auch bewertet.')).toContain('überwacht');
  });

  it('negative cues carry their own negation and always count', () => {
    expect(matchCues(tokenize('Es seien keine Daten betroffen.', 1_000), SET).map((hit) => hit.weight)).toEqual([-2]);
  });

  it('a German ordinal ("zum 1. März") does not end the sentence, a full stop after a year does', () => {
    expect(labels('Kundendaten wurden zum 1. März abgegriffen.')).toContain('Daten abgeflossen');
    expect(labels('Kundendaten gab es bis 2024. Abgegriffen wurde nichts davon.')).not.toContain('Daten abgeflossen');
  });
});
