import { describe, expect, it } from 'vitest';
import { assignIncident } from '../../src/analysis/assign-incident.ts';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { createInMemoryIncidentIndex } from '../../src/analysis/group-incidents.ts';
import type { Analysis, IncidentType } from '../../src/model/analysis.ts';
import type { Language } from '../../src/model/feed.ts';
import type { Article } from '../../src/model/item.ts';
import { articleFixture } from '../support/article-fixture.ts';

/** Filing articles under incidents, and the signature of their full texts that the incident keeps. */

const gazetteer = loadGazetteer();
const newId = (_firstSeen: string, key: string): string => `inc-${key}`;

function article(key: string, title: string, text: string, published: string, language: Language): Article {
  return articleFixture(key, title, text, { published, language });
}

function analysis(language: Language, types: IncidentType[], summary: string): Analysis {
  return {
    language,
    relevance: { relevant: true, score: 0.9, cues: [] },
    companies: [{ id: 'paketblitz', name: 'Paketblitz', ancestors: [], score: 1 }],
    unknownCompanies: [],
    types,
    summary,
  };
}

// Our own words, an invented firm. The German article's specifics that the English one repeats (the city, the
// count of shipments, the damage) sit past its summary.
const german = article(
  'de-1',
  'Staatsanwaltschaft ermittelt gegen Beschäftigte von Paketblitz',
  'Die Staatsanwaltschaft ermittelt gegen mehrere Beschäftigte des Paketdienstes Paketblitz. ' +
    'Sie sollen Namen, Adressen und Telefonnummern von Empfängern an Betrüger weitergegeben haben. ' +
    'Der Fall spielt in Bremen; die Ermittler prüfen 1.842 Sendungen, der Schaden liegt bei 212.500 Euro. ' +
    'Paketblitz hat die Mitarbeiter entlassen und die Datenschutzbehörde informiert.',
  '2025-06-02T08:00:00.000Z',
  'de',
);
const germanAnalysis = analysis('de', ['authority_access'], 'Die Staatsanwaltschaft ermittelt gegen mehrere Beschäftigte des Paketdienstes Paketblitz.');

const english = article(
  'en-1',
  'Parcel fraud in Bremen: damage put at 212,500 euros',
  'Investigators in Bremen are checking 1,842 shipments handled by Paketblitz, whose workers passed recipients\' addresses to fraudsters. ' +
    'The damage is estimated at 212,500 euros. The firm said the employees were fired. A spokesman for the carrier, Jonas Feld, called the case unusual.',
  '2025-06-03T10:00:00.000Z',
  'en',
);
const englishAnalysis = analysis('en', ['insider_abuse'], 'Investigators in Bremen are checking 1,842 shipments handled by Paketblitz.');

describe('assignIncident and the incident signature', () => {
  it('gives a new incident the signature of its article\'s full text', async () => {
    const sink = createInMemoryIncidentIndex();
    const { incident, isNew } = await assignIncident(german, germanAnalysis, 'example.de', sink, gazetteer, newId);
    expect(isNew).toBe(true);
    const signature = incident.signature!;
    // From past the summary: the city, the counts and the amount.
    expect(signature.names.map(([name]) => name)).toContain('bremen');
    expect(signature.numbers.map(([key]) => key)).toEqual(expect.arrayContaining(['1842', '212500']));
    expect(signature.concepts).toEqual(expect.arrayContaining(['prosecutors', 'fraud', 'employees', 'dismissal']));
    expect((await sink.get(incident.id))?.signature).toEqual(signature);
  });

  it('adds a joining source\'s specifics to the signature, and changes nothing when the same article comes again', async () => {
    const sink = createInMemoryIncidentIndex();
    await assignIncident(german, germanAnalysis, 'example.de', sink, gazetteer, newId);
    const joined = await assignIncident(english, englishAnalysis, 'example.com', sink, gazetteer, newId);
    expect(joined.isNew).toBe(false);
    expect(joined.incident.id).toBe('inc-de-1');
    expect(joined.incident.sources.map((s) => s.articleKey)).toEqual(['de-1', 'en-1']);
    const names = new Map(joined.incident.signature!.names);
    // "Bremen" was a capitalised German word only; the English source vouches for it as a name.
    expect(names.get('bremen')).toBe(true);
    expect(joined.incident.signature!.names.map(([name]) => name)).toContain('jonas feld');

    const again = await assignIncident(english, englishAnalysis, 'example.com', sink, gazetteer, newId);
    expect(again.incident.signature).toEqual(joined.incident.signature);
    expect(again.incident.sources).toHaveLength(2);
  });

  it('keeps a story from a feed\'s history as history until a report of it arrives as news', async () => {
    const sink = createInMemoryIncidentIndex();
    const fromHistory = await assignIncident({ ...german, announce: false }, germanAnalysis, 'example.de', sink, gazetteer, newId, undefined, '2025-06-02T09:00:00.000Z');
    expect(fromHistory).toMatchObject({ isNew: true, isNews: false, incident: { history: true, recordedAt: '2025-06-02T09:00:00.000Z' } });
    expect((await sink.get('inc-de-1'))?.history).toBe(true);

    const news = await assignIncident(english, englishAnalysis, 'example.com', sink, gazetteer, newId, undefined, '2025-06-03T11:00:00.000Z');
    expect(news).toMatchObject({ isNew: false, isNews: true, incident: { id: 'inc-de-1', recordedAt: '2025-06-03T11:00:00.000Z' } });
    expect(news.incident.history).toBeUndefined();
    expect((await sink.get('inc-de-1'))?.history).toBeUndefined();

    // Handed over again (a crash before it was marked done): news once.
    const again = await assignIncident(english, englishAnalysis, 'example.com', sink, gazetteer, newId, undefined, '2025-06-03T11:05:00.000Z');
    expect(again).toMatchObject({ isNew: false, isNews: false, incident: { recordedAt: '2025-06-03T11:00:00.000Z' } });
  });

  it('keeps history as history when another report from history joins it, and news as news', async () => {
    const history = createInMemoryIncidentIndex();
    await assignIncident({ ...german, announce: false }, germanAnalysis, 'example.de', history, gazetteer, newId, undefined, '2025-06-02T09:00:00.000Z');
    const joined = await assignIncident({ ...english, announce: false }, englishAnalysis, 'example.com', history, gazetteer, newId, undefined, '2025-06-03T11:00:00.000Z');
    expect(joined).toMatchObject({ isNews: false, incident: { history: true, recordedAt: '2025-06-02T09:00:00.000Z' } });

    const news = createInMemoryIncidentIndex();
    expect(await assignIncident(german, germanAnalysis, 'example.de', news, gazetteer, newId)).toMatchObject({ isNew: true, isNews: true });
    const fromHistory = await assignIncident({ ...english, announce: false }, englishAnalysis, 'example.com', news, gazetteer, newId);
    expect(fromHistory).toMatchObject({ isNew: false, isNews: false });
    expect(fromHistory.incident.history).toBeUndefined();
  });

  it('matches a later article on what the first article said past its summary', async () => {
    const signed = createInMemoryIncidentIndex();
    await assignIncident(german, germanAnalysis, 'example.de', signed, gazetteer, newId);
    expect((await assignIncident(english, englishAnalysis, 'example.com', signed, gazetteer, newId)).isNew).toBe(false);

    // The same incident stored without a signature (as by an older version) keeps only title and summary.
    const unsigned = createInMemoryIncidentIndex();
    const first = await assignIncident(german, germanAnalysis, 'example.de', unsigned, gazetteer, newId);
    const { signature: _dropped, ...withoutSignature } = first.incident;
    await unsigned.put(withoutSignature);
    expect((await assignIncident(english, englishAnalysis, 'example.com', unsigned, gazetteer, newId)).isNew).toBe(true);
  });

  it('copes with a malformed stored signature', async () => {
    const sink = createInMemoryIncidentIndex();
    const first = await assignIncident(german, germanAnalysis, 'example.de', sink, gazetteer, newId);
    await sink.put({ ...first.incident, signature: { numbers: 'kaputt', names: [[1, 2]], concepts: null } as never });
    const joined = await assignIncident(english, englishAnalysis, 'example.com', sink, gazetteer, newId);
    expect(Array.isArray(joined.incident.signature?.names)).toBe(true);
  });
});
