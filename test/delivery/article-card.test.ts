import { describe, expect, it } from 'vitest';
import { leadWithin } from '../../src/delivery/article-card.ts';

describe('leadWithin', () => {
  it('keeps whole sentences within the limit', () => {
    const text = 'Erster Satz über Daten. Zweiter Satz folgt hier! Dritter Satz ist sehr viel länger als alles andere davor.';
    expect(leadWithin(text, 50)).toBe('Erster Satz über Daten. Zweiter Satz folgt hier!');
  });

  it('returns short text unchanged, with whitespace folded', () => {
    expect(leadWithin('Kurz.\n\nNoch kürzer.', 320)).toBe('Kurz. Noch kürzer.');
  });

  it('cuts a single over-long sentence at a word boundary with an ellipsis', () => {
    const lead = leadWithin('wort '.repeat(100), 40);
    expect(lead.length).toBeLessThanOrEqual(40);
    expect(lead.endsWith('wort…')).toBe(true);
  });
});
