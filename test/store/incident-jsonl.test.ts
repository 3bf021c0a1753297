import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/model/analysis.ts';
import { MAX_LINE_BYTES, MAX_SOURCES, incidentToLine, parseIncidentLine } from '../../src/store/incident-jsonl.ts';

/** The line format of `export` / `import`: what a line holds, and how an untrusted line is refused. */

const source = (n: number, extra: Partial<Incident['sources'][number]> = {}): Incident['sources'][number] => ({
  articleKey: `u:${String(n).padStart(32, '0')}`,
  url: `https://news.example/artikel-${n}`,
  title: `Türklingel-Anbieter gibt Videos weiter (${n})`,
  outlet: 'Beispiel-News',
  feedId: 'beispiel-news',
  published: '2026-03-02T08:00:00.000Z',
  language: 'de',
  ...extra,
});

const full: Incident = {
  id: 'i-0m7abc123-0123456789',
  companies: ['ring', 'amazon'],
  types: ['authority_access', 'policy_change'],
  title: 'Türklingel-Videos ohne Beschluss an die Polizei',
  summary: 'Ein Hersteller smarter Türklingeln gab Aufnahmen ohne richterlichen Beschluss heraus. Datenschützer prüfen den Fall.',
  language: 'de',
  firstSeen: '2026-03-02T08:00:00.000Z',
  lastSeen: '2026-03-04T10:30:00.000Z',
  recordedAt: '2026-03-02T08:05:00.000Z',
  history: true,
  relevance: 0.82,
  sources: [source(1), source(2, { language: 'en', title: 'Doorbell maker hands footage to police', url: '' })],
  signature: { numbers: [['2026', 0.2], ['12000', 1]], names: [['ring', true], ['türklingel', false]], concepts: ['police', 'warrant'] },
};

const minimal: Incident = {
  id: 'i-minimal',
  companies: [],
  types: [],
  title: 'Kurz',
  summary: '',
  language: 'en',
  firstSeen: '2025-01-01T00:00:00.000Z',
  lastSeen: '2025-01-01T00:00:00.000Z',
  sources: [],
};

const lineWith = (changes: Record<string, unknown>): string => JSON.stringify({ ...full, ...changes });
const without = (field: keyof Incident): string => {
  const { [field]: _, ...rest } = full;
  return JSON.stringify(rest);
};

describe('incident JSON Lines', () => {
  it('writes one line that reads back as the same incident, every field kept (the signature too)', () => {
    const line = incidentToLine(full);
    expect(line).not.toContain('\n');
    expect(parseIncidentLine(line)).toEqual({ ok: true, incident: full });
    expect(parseIncidentLine(incidentToLine(minimal))).toEqual({ ok: true, incident: minimal });
  });

  it('writes the fields in a fixed order, optional ones only when present, nothing else of the stored record', () => {
    const stored = { ...full, legacyField: 'x', sources: [{ ...source(1), extra: 1 } as Incident['sources'][number]] } as Incident;
    const record = JSON.parse(incidentToLine(stored)) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual([
      'id', 'title', 'summary', 'language', 'companies', 'types', 'firstSeen', 'lastSeen',
      'recordedAt', 'relevance', 'history', 'sources', 'signature',
    ]);
    expect(Object.keys((record.sources as object[])[0]!)).toEqual(['articleKey', 'url', 'title', 'outlet', 'feedId', 'published', 'language']);
    expect(Object.keys(JSON.parse(incidentToLine(minimal)) as object)).toEqual([
      'id', 'title', 'summary', 'language', 'companies', 'types', 'firstSeen', 'lastSeen', 'sources',
    ]);
  });

  it('reads a line without repeats: companies, types and sources (by article key, the first kept)', () => {
    const line = lineWith({
      companies: ['ring', 'amazon', 'ring'],
      types: ['breach', 'breach', 'tracking'],
      sources: [source(1), source(1, { title: 'Zweite Fassung' }), source(2)],
    });
    const parsed = parseIncidentLine(line);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.incident.companies).toEqual(['ring', 'amazon']);
    expect(parsed.incident.types).toEqual(['breach', 'tracking']);
    expect(parsed.incident.sources.map((s) => s.title)).toEqual([source(1).title, source(2).title]);
  });

  it('drops fields it does not know, and accepts a date in any form the store can index', () => {
    const parsed = parseIncidentLine(lineWith({ futureField: { a: 1 }, firstSeen: 'Mon, 02 Mar 2026 08:00:00 GMT' }));
    expect(parsed).toMatchObject({ ok: true, incident: { firstSeen: 'Mon, 02 Mar 2026 08:00:00 GMT' } });
    expect(parsed.ok && 'futureField' in parsed.incident).toBe(false);
  });

  it.each([
    ['not JSON', '{"id": "i-1", ', 'the line is not valid JSON'],
    ['a JSON array', '[1, 2]', 'the line must be a JSON object'],
    ['a missing field', without('firstSeen'), 'firstSeen is missing'],
    ['a missing source field', lineWith({ sources: [{ ...source(1), url: undefined }] }), 'sources[0].url is missing'],
    ['an unreadable date', lineWith({ lastSeen: 'gestern' }), 'lastSeen must be a date such as 2026-11-10T08:00:00.000Z'],
    ['an id unfit for a storage key', lineWith({ id: '../../etc/passwd' }), 'id must be a plain id of 1 to 100 letters, digits and . _ : ~ -'],
    ['a company that is not a slug', lineWith({ companies: ['amazon', 'Amazon Inc'] }), 'companies[1] must be a company slug such as amazon'],
    ['an unknown type', lineWith({ types: ['hacking'] }), 'types[0] must be one of breach, data_sale, authority_access, insider_abuse, policy_change, tracking, unlawful_processing, enforcement'],
    ['an unknown language', lineWith({ language: 'fr' }), 'language must be one of de, en'],
    ['a script link', lineWith({ sources: [source(1, { url: 'javascript:alert(1)' })] }), 'sources[0].url must be an http(s) URL or empty'],
    ['a relevance above 1', lineWith({ relevance: 2 }), 'relevance must be at most 1'],
    ['history other than true', lineWith({ history: false }), 'history must be true'],
    ['a number where text belongs', lineWith({ title: 42 }), 'title must be a string'],
    ['an over-long title', lineWith({ title: 'x'.repeat(1001) }), 'title is longer than 1000 characters'],
    ['too many sources', lineWith({ sources: Array.from({ length: MAX_SOURCES + 1 }, (_, n) => source(n)) }), `sources has more than ${MAX_SOURCES} entries`],
    ['a malformed signature', lineWith({ signature: { numbers: [['1', 'eins']], names: [], concepts: [] } }), 'signature.numbers[0][1] must be a number'],
    ['an over-long line', lineWith({ summary: 'x'.repeat(MAX_LINE_BYTES) }), `the line is longer than ${MAX_LINE_BYTES} bytes`],
  ])('refuses %s with a one-sentence reason', (_, line, reason) => {
    expect(parseIncidentLine(line)).toEqual({ ok: false, reason });
  });

  it('never echoes the line in its reason, so hostile text cannot reach the terminal through it', () => {
    const hostile = lineWith({ id: '\u001b]0;owned\u0007', title: '\u001b[2J' });
    const parsed = parseIncidentLine(hostile);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).not.toMatch(/[\u0000-\u001f]|owned/);
    expect(parseIncidentLine('{"id": "\u001b[2J').ok).toBe(false);
  });
});
