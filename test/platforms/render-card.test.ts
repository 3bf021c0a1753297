import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/model/card.ts';
import { renderCardText } from '../../src/platforms/console/render-card.ts';
import { truncate } from '../../src/platforms/discord/escape-markdown.ts';
import { cut } from '../../src/platforms/matrix/escape-html.ts';

describe('renderCardText', () => {
  const card: Card = {
    incidentId: 'i-1',
    title: 'Ring gibt Videos an Polizei weiter',
    summary: 'Die Amazon-Tochter hat Aufnahmen ohne Gerichtsbeschluss herausgegeben.',
    companies: [{ id: 'ring', name: 'Ring', parentName: 'Amazon' }],
    types: ['authority_access'],
    url: 'https://example.org/ring',
    outlet: 'Beispiel-News',
    published: '2026-11-20T09:30:00.000Z',
    language: 'de',
    sourceCount: 2,
    sources: [],
  };

  it('shows title, companies with parents, types in the card language, outlet, date, sources, summary and link', () => {
    const text = renderCardText(card);
    expect(text).toContain('■ Ring gibt Videos an Polizei weiter');
    expect(text).toContain('Ring (Amazon) · Daten an Behörden');
    expect(text).toContain('Beispiel-News · 2026-11-20 · de · 2 sources');
    expect(text).toContain('ohne Gerichtsbeschluss');
    expect(text).toContain('https://example.org/ring');
    expect(renderCardText({ ...card, language: 'en' })).toContain('Data to authorities');
  });

  it('removes terminal escape sequences and bidi overrides that a feed could smuggle in', () => {
    const text = renderCardText({ ...card, title: 'Evil\u001b[2J\u001b]0;pwned\u0007 title\u202e', summary: 'x\u0000y' });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202e]/);
    expect(text).toContain('Evil');
  });
});

describe('cutting text at an emoji', () => {
  it('never leaves half of a surrogate pair on Discord or Matrix', () => {
    const text = `${'a'.repeat(8)}😀${'b'.repeat(20)}`;
    for (const max of [9, 10, 11]) {
      for (const result of [truncate(text, max), cut(text, max)]) {
        expect(result.length).toBeLessThanOrEqual(max);
        expect(result.isWellFormed()).toBe(true);
      }
    }
  });
});
