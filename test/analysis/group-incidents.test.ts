import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createInMemoryIncidentIndex,
  findSameIncident,
  GROUPING_WINDOW_DAYS,
  incidentSignature,
  SAME_INCIDENT_THRESHOLD,
  sameIncidentScore,
} from '../../src/analysis/group-incidents.ts';
import type { GroupingCandidate } from '../../src/analysis/group-incidents.ts';
import { absorbSignature, fingerprint, parseNumeral, toSignature } from '../../src/analysis/incident-fingerprint.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';
import type { Incident } from '../../src/model/analysis.ts';

/** Parents and subsidiaries as the gazetteer would give them, for the companies these tests use. */
const FAMILY: Record<string, string[]> = {
  amazon: ['ring', 'alexa'],
  ring: ['amazon'],
  alexa: ['amazon'],
  'telefonica-deutschland': ['o2', 'telefonica'],
  o2: ['telefonica-deutschland', 'telefonica'],
};
const related = (id: string): string[] => FAMILY[id] ?? [];

const DAY = 86_400_000;
const at = (iso: string, plusDays = 0): string => new Date(Date.parse(iso) + plusDays * DAY).toISOString();

/** The first sentences of a text, at most 320 characters: what the analysis keeps as an incident's summary. */
function summaryOf(text: string): string {
  const sentences = text.split(/(?<=[.!?])\s+/);
  let summary = '';
  for (const sentence of sentences.slice(0, 3)) {
    if ((summary + sentence).length > 320) break;
    summary += `${sentence} `;
  }
  return summary.trim();
}

/** The incident an article starts: as assignIncident files a first article. */
function incidentOf(article: GroupingCandidate, outlet: string): Incident {
  return {
    id: `i-${article.articleKey}`,
    companies: article.companies,
    types: article.types,
    title: article.title,
    summary: summaryOf(article.text),
    language: article.language,
    firstSeen: article.published,
    lastSeen: article.published,
    sources: [
      {
        articleKey: article.articleKey,
        url: `https://${outlet}/${article.articleKey}`,
        title: article.title,
        outlet,
        feedId: outlet,
        published: article.published,
        language: article.language,
      },
    ],
  };
}

/** The incident an article starts, with the signature of its full text, as assignIncident now files it. */
function signedIncidentOf(article: GroupingCandidate, outlet: string): Incident {
  return { ...incidentOf(article, outlet), signature: incidentSignature(article) };
}

// Fixtures in our own words.
const ringGerman: GroupingCandidate = {
  articleKey: 'ring-de',
  title: 'Ring gibt Videos von Türklingeln ohne Beschluss an die Polizei',
  text:
    'Die Amazon-Tochter Ring hat Aufnahmen ihrer Türklingel-Kameras auch in Deutschland ohne richterlichen Beschluss an die Polizei weitergegeben. ' +
    'Das räumte das Unternehmen auf Anfrage der Zeitung Handelsblatt ein. ' +
    'In den USA arbeitet Ring mit mehr als 2.000 Polizeibehörden zusammen.\n\n' +
    'Der Datenschutzbeauftragte Stefan Brink kritisierte die Praxis scharf und hält Bußgelder für möglich.',
  language: 'de',
  published: '2019-11-20T09:00:00.000Z',
  companies: ['ring', 'amazon'],
  types: ['authority_access'],
};

const ringEnglish: GroupingCandidate = {
  articleKey: 'ring-en',
  title: 'Ring shared doorbell camera footage with German police without a warrant',
  text:
    "Amazon's smart doorbell maker Ring has handed recordings from its customers' cameras to police in Germany without a court order. " +
    'The company confirmed the practice to the business newspaper Handelsblatt. ' +
    'In the United States, Ring already cooperates with more than 2,000 police departments through its Neighbors app.\n\n' +
    'Regional data protection commissioner Stefan Brink said the company risked fines.',
  language: 'en',
  published: at(ringGerman.published, 2),
  companies: ['ring'],
  types: ['authority_access'],
};

const amazonLeak: GroupingCandidate = {
  articleKey: 'amazon-leak',
  title: 'Misconfigured Amazon server exposed order histories in Spain',
  text:
    'An unprotected storage server run by Amazon exposed the order histories and delivery addresses of about 150,000 customers in Spain for eleven days. ' +
    'Security researchers at the firm Nordlicht Labs found the database during a routine scan and reported it. ' +
    'Amazon said the server was closed within hours of the report.',
  language: 'en',
  published: '2024-03-04T10:00:00.000Z',
  companies: ['amazon'],
  types: ['breach'],
};

const amazonInsiders: GroupingCandidate = {
  articleKey: 'amazon-insiders',
  title: 'Amazon-Mitarbeiter verkaufen Kundendaten an Händler',
  text:
    'Beschäftigte von Amazon sollen gegen Bestechungsgeld interne Verkaufszahlen und E-Mail-Adressen von Kunden an Händler auf dem Marktplatz weitergegeben haben. ' +
    'Nach Angaben des Konzerns laufen interne Ermittlungen gegen mehrere Angestellte in Shenzhen. ' +
    'Vermittler sollen für einzelne Datensätze zwischen 80 und 2.000 Dollar verlangt haben.',
  language: 'de',
  published: at(amazonLeak.published, 3),
  companies: ['amazon'],
  types: ['insider_abuse', 'data_sale'],
};

describe('sameIncidentScore and findSameIncident', () => {
  it('groups a German and an English report of the Ring police story, in either order', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(ringGerman, 'golem.de'));
    const found = await findSameIncident(ringEnglish, index, related);
    expect(found?.id).toBe('i-ring-de');

    const reverse = createInMemoryIncidentIndex();
    await reverse.put(incidentOf(ringEnglish, 'theverge.com'));
    expect((await findSameIncident({ ...ringGerman, published: at(ringEnglish.published, 1) }, reverse, related))?.id).toBe(
      'i-ring-en',
    );
  });

  it('keeps two Amazon stories of one week apart: a leak and an insider sale', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(amazonLeak, 'example-news.com'));
    expect(sameIncidentScore(amazonInsiders, incidentOf(amazonLeak, 'example-news.com'), related)).toBeLessThan(
      SAME_INCIDENT_THRESHOLD,
    );
    expect(await findSameIncident(amazonInsiders, index, related)).toBeUndefined();
  });

  it('keeps two enforcement stories about one company in one week apart when nothing specific is shared', () => {
    const fine: GroupingCandidate = {
      articleKey: 'meta-fine',
      title: 'Irish regulator fines Meta over transfers of European user data',
      text:
        "Ireland's Data Protection Commission has fined Meta 1.2 billion euros for sending data of Facebook users in Europe to servers in the United States. " +
        'The company has five months to stop the transfers.',
      language: 'en',
      published: '2023-05-22T08:00:00.000Z',
      companies: ['meta'],
      types: ['enforcement', 'unlawful_processing'],
    };
    const ruling: GroupingCandidate = {
      articleKey: 'meta-ruling',
      title: 'Court bars Meta from combining Instagram and WhatsApp profiles in Norway',
      text:
        'A court in Oslo has ordered Meta to stop merging the profiles of Norwegian Instagram and WhatsApp users for advertising. ' +
        'The judges followed a complaint by a consumer group.',
      language: 'en',
      published: at(fine.published, 4),
      companies: ['meta'],
      types: ['enforcement', 'tracking'],
    };
    expect(sameIncidentScore(ruling, incidentOf(fine, 'example-news.com'), related)).toBeLessThan(SAME_INCIDENT_THRESHOLD);
  });

  it('starts a new incident for the same story 20 days later', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(ringGerman, 'golem.de'));
    const late = { ...ringEnglish, published: at(ringGerman.published, 20) };
    expect(20).toBeGreaterThan(GROUPING_WINDOW_DAYS);
    expect(await findSameIncident(late, index, related)).toBeUndefined();
    expect(sameIncidentScore(late, incidentOf(ringGerman, 'golem.de'), related)).toBe(0);
    // Within the window it is the same incident: the date, not the text, made the difference.
    expect(await findSameIncident({ ...late, published: at(ringGerman.published, 10) }, index, related)).toBeDefined();
  });

  it('does not group articles that share no company, nor articles without any company', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(ringGerman, 'golem.de'));
    const otherMaker = { ...ringEnglish, companies: ['arlo'] };
    expect(sameIncidentScore(otherMaker, incidentOf(ringGerman, 'golem.de'), related)).toBe(0);
    expect(await findSameIncident(otherMaker, index, related)).toBeUndefined();
    expect(await findSameIncident({ ...ringEnglish, companies: [] }, index, related)).toBeUndefined();
  });

  it('lets a parent in one article meet its subsidiary in another', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf({ ...ringGerman, companies: ['ring'] }, 'golem.de'));
    const viaParent = { ...ringEnglish, companies: ['amazon'] };
    expect((await findSameIncident(viaParent, index, related))?.id).toBe('i-ring-de');
    // Without knowing the family, Amazon and Ring share nothing.
    expect(await findSameIncident(viaParent, index, () => [])).toBeUndefined();
  });

  it('stays within 0…1 and bounded on hostile input', () => {
    const hostile: GroupingCandidate = {
      ...ringEnglish,
      title: 'Ä'.repeat(100_000),
      text: `${'1,'.repeat(200_000)}${'Aa '.repeat(100_000)}\u0000\uD800${'9.'.repeat(50_000)}`,
    };
    const score = sameIncidentScore(hostile, incidentOf(ringGerman, 'golem.de'), related);
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(1);
    const broken = { ...incidentOf(ringGerman, 'golem.de'), firstSeen: 'kaputt', lastSeen: 'kaputt' };
    expect(sameIncidentScore(ringEnglish, broken, related)).toBe(0);
    expect(sameIncidentScore({ ...ringEnglish, published: 'nie' }, incidentOf(ringGerman, 'golem.de'), related)).toBe(0);
  });
});

describe('the in-memory incident index', () => {
  it('finds incidents by company, last seen since a time, newest first, and re-indexes on update', async () => {
    const index = createInMemoryIncidentIndex();
    const a = incidentOf(ringGerman, 'golem.de');
    const b = { ...incidentOf(amazonLeak, 'x'), lastSeen: '2019-11-25T00:00:00.000Z' };
    await index.put(a);
    await index.put(b);
    expect((await index.candidates(['amazon'], '2019-11-01T00:00:00Z')).map((i) => i.id)).toEqual([b.id, a.id]);
    expect((await index.candidates(['amazon'], '2019-11-21T00:00:00Z')).map((i) => i.id)).toEqual([b.id]);
    await index.put({ ...a, companies: ['arlo'] });
    expect((await index.candidates(['ring', 'amazon'], '2019-01-01T00:00:00Z')).map((i) => i.id)).toEqual([b.id]);
    expect((await index.candidates(['arlo'], '2019-01-01T00:00:00Z')).map((i) => i.id)).toEqual([a.id]);
    expect(index.all()).toHaveLength(2);
    expect((await index.get(a.id))?.companies).toEqual(['arlo']);
  });
});

describe('fingerprint: language-independent specifics', () => {
  it('reads numbers the German and the English way, with their scale', () => {
    expect(parseNumeral('3,5', 'de')).toBe(3.5);
    expect(parseNumeral('3.500', 'de')).toBe(3500);
    expect(parseNumeral('3.5', 'en')).toBe(3.5);
    expect(parseNumeral('3,500', 'en')).toBe(3500);
    expect(parseNumeral('1.234.567,8', 'de')).toBe(1234567.8);
    expect(parseNumeral('14.03.2024', 'de')).toBeUndefined();
    const german = fingerprint([], [{ text: 'Betroffen sind 3,5 Millionen Kunden; das Bußgeld beträgt 746 Mio. Euro.', language: 'de' }]);
    const english = fingerprint([], [{ text: 'It affects 3.5 million customers and the fine is €746m.', language: 'en' }]);
    expect([...german.numbers.keys()].sort()).toEqual(['3500000', '746000000']);
    expect([...english.numbers.keys()].sort()).toEqual(['3500000', '746000000']);
    expect(fingerprint([], [{ text: 'Seit 2019 und im Jahr 2024 nur 3 Fälle.', language: 'de' }]).numbers.size).toBe(0);
  });

  it('finds names in both languages, but takes German capitalised nouns for names only when vouched for', () => {
    const german = fingerprint(
      [],
      [{ text: 'Laut Stefan Brink verkauft das Unternehmen mit Smart Steps Standortdaten. Auch die Polizei in Hamburg prüft den Fall beim BfDI.', language: 'de' }],
    );
    expect(german.named.get('stefan brink')).toBe(true);
    expect(german.named.get('smart steps')).toBe(true);
    expect(german.named.get('bfdi')).toBe(true);
    expect(german.named.get('hamburg')).toBe(false);
    expect(german.named.has('polizei')).toBe(false);
    expect(german.named.has('laut')).toBe(false);
    expect([...german.concepts]).toEqual(expect.arrayContaining(['location_data', 'police', 'sale']));

    const english = fingerprint([], [{ text: 'Police in Hamburg say the Smart Steps product sold location data.', language: 'en' }]);
    expect(english.named.get('hamburg')).toBe(true);
    expect(english.named.has('police')).toBe(false);
    expect([...english.concepts]).toEqual(expect.arrayContaining(['location_data', 'police', 'sale']));
  });

  it('ignores the capitals of an English Title Case headline', () => {
    const print = fingerprint([{ text: 'Police Get Access To Doorbell Videos Without Warrants', language: 'en' }], []);
    expect(print.named.size).toBe(0);
    expect(print.titles[0]?.tokens.has('doorbell')).toBe(true);
  });
});

// The real scraped samples, read through the article cleaner as the pipeline reads them. Skipped when the
// shared folder is not checked out next to the repository.
const samples = path.resolve(import.meta.dirname, '../../../shared/samples');
describe.skipIf(!existsSync(samples))('grouping the real samples in ../shared/samples with English reports of our own', () => {
  const read = (file: string, published: string, companies: string[], types: GroupingCandidate['types']): GroupingCandidate => {
    const [title = '', ...rest] = readFileSync(path.join(samples, file), 'utf8').split('\n');
    return {
      articleKey: file,
      title,
      text: cleanArticleText(rest.join('\n'), { title, language: 'de' }),
      language: 'de',
      published,
      companies,
      types,
    };
  };
  // Read in beforeAll, not in the describe body: a skipped describe still runs its body to collect tests.
  let ring: GroupingCandidate;
  let o2: GroupingCandidate;
  let insiders: GroupingCandidate;
  beforeAll(() => {
    ring = read('ring-police-videos.de.txt', '2019-11-20T09:00:00.000Z', ['ring', 'amazon'], ['authority_access']);
    o2 = read('o2-smart-steps.de.txt', '2012-11-01T12:00:00.000Z', ['o2', 'telefonica-deutschland'], ['data_sale', 'enforcement']);
    insiders = read('amazon-employees-sell-data.de.txt', '2019-11-18T09:00:00.000Z', ['amazon'], ['insider_abuse', 'data_sale']);
  });

  it('groups an English report with the German Ring article', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(ring, 'golem.de'));
    await index.put(incidentOf(insiders, 'example-blog.de'));
    expect((await findSameIncident({ ...ringEnglish, published: at(ring.published, 1) }, index, related))?.id).toBe(
      `i-${ring.articleKey}`,
    );
  });

  it('groups an English report with the German O2 Smart Steps article', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(o2, 'example-blog.de'));
    const english: GroupingCandidate = {
      articleKey: 'o2-en',
      title: "Germany halts O2's plan to sell customers' location data",
      text:
        'The German economy ministry has stopped Telefónica from selling anonymised movement data of O2 mobile customers through its Smart Steps product. ' +
        'A ministry spokesman said trading in location data is generally prohibited in Germany.',
      language: 'en',
      published: at(o2.published, 1),
      companies: ['o2'],
      types: ['data_sale', 'enforcement'],
    };
    expect((await findSameIncident(english, index, related))?.id).toBe(`i-${o2.articleKey}`);
  });

  it('keeps the Amazon insider sale apart from the Ring police story two days later', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(incidentOf(insiders, 'example-blog.de'));
    expect(await findSameIncident(ring, index, related)).toBeUndefined();
    // Also when the incident carries the signature of the whole (long) insider article.
    const signed = createInMemoryIncidentIndex();
    await signed.put(signedIncidentOf(insiders, 'example-blog.de'));
    expect(await findSameIncident(ring, signed, related)).toBeUndefined();
  });

  it('groups the English Ring report with the signed German article as well', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(signedIncidentOf(ring, 'golem.de'));
    await index.put(signedIncidentOf(insiders, 'example-blog.de'));
    expect((await findSameIncident({ ...ringEnglish, published: at(ring.published, 1) }, index, related))?.id).toBe(
      `i-${ring.articleKey}`,
    );
  });
});

// A parcel service's staff passing recipients' data to fraudsters, told by a German and an English outlet that
// lead with different aspects (the prosecutors' inquiry, the insiders' act); and the same firm's unrelated
// story of the same week. All in our own words; the firm is invented.
const parcelGerman: GroupingCandidate = {
  articleKey: 'parcel-de',
  title: 'Staatsanwaltschaft ermittelt gegen Beschäftigte von Paketblitz',
  text:
    'Die Staatsanwaltschaft Bremen ermittelt gegen mehrere Beschäftigte des Paketdienstes Paketblitz. ' +
    'Sie sollen Namen, Adressen und Telefonnummern von Empfängern an eine Betrügerbande weitergegeben haben. ' +
    'Die Bande verschickte damit gefälschte Zustellnachrichten. ' +
    'Paketblitz hat die Mitarbeiter nach eigenen Angaben entlassen und die Datenschutzbehörde informiert.',
  language: 'de',
  published: '2025-06-02T08:00:00.000Z',
  companies: ['paketblitz'],
  types: ['authority_access'],
};

const parcelEnglish: GroupingCandidate = {
  articleKey: 'parcel-en',
  title: 'Parcel company workers passed recipients\' details to scammers',
  text:
    'Several workers at the delivery firm Paketblitz handed the names, home addresses and phone numbers of parcel recipients to a criminal gang. ' +
    'The scammers used them for fake delivery notices, according to prosecutors in Bremen. ' +
    'Paketblitz said the employees had been fired and that it had told the data protection authority.',
  language: 'en',
  published: at(parcelGerman.published, 1),
  companies: ['paketblitz'],
  types: ['insider_abuse'],
};

const parcelTracking: GroupingCandidate = {
  articleKey: 'parcel-tracking',
  title: 'Paketblitz überwacht seine Zusteller per App',
  text:
    'Der Paketdienst Paketblitz zeichnet über die Scanner-App seiner Zustellerinnen und Zusteller jede Pause und jeden Standort auf. ' +
    'Die Gewerkschaft spricht von lückenloser Leistungskontrolle. ' +
    'Paketblitz erklärt, die Daten dienten nur der Tourenplanung.',
  language: 'de',
  published: at(parcelGerman.published, 2),
  companies: ['paketblitz'],
  types: ['tracking'],
};

describe('grouping on the full text: bilingual notions and the incident signature', () => {
  it('groups two reports of one incident that lead with different aspects (types disagree)', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(signedIncidentOf(parcelGerman, 'example-news.de'));
    expect((await findSameIncident(parcelEnglish, index, related))?.id).toBe('i-parcel-de');
  });

  it('keeps the same firm\'s other story of the same week apart', async () => {
    const index = createInMemoryIncidentIndex();
    await index.put(signedIncidentOf(parcelGerman, 'example-news.de'));
    expect(await findSameIncident(parcelTracking, index, related)).toBeUndefined();
    expect(sameIncidentScore(parcelTracking, signedIncidentOf(parcelGerman, 'x'), related)).toBeLessThan(0.45);
  });

  it('keeps two stories of one kind apart when they share only everyday notions', () => {
    const first: GroupingCandidate = {
      ...parcelGerman,
      articleKey: 'parcel-leak',
      title: 'Paketblitz: Kundenkonten offen einsehbar',
      text: 'Bei Paketblitz waren Kundenkonten samt E-Mail-Adressen offen einsehbar. Ein Sicherheitsforscher meldete die Lücke.',
      types: ['breach'],
    };
    const second: GroupingCandidate = {
      ...parcelGerman,
      articleKey: 'parcel-hack',
      title: 'Hacker erbeuten Passwörter bei Paketblitz',
      text: 'Angreifer haben bei Paketblitz Passwörter und E-Mail-Adressen von Kunden erbeutet. Das Unternehmen setzt alle Zugangsdaten zurück.',
      published: at(parcelGerman.published, 3),
      types: ['breach'],
    };
    expect(sameIncidentScore(second, signedIncidentOf(first, 'x'), related)).toBeLessThan(SAME_INCIDENT_THRESHOLD);
  });

  it('matches a later article against the whole first article, not only its lead', () => {
    // The specifics the two share sit in the German article's later sentences, past its summary.
    const german: GroupingCandidate = {
      ...parcelGerman,
      text:
        `${parcelGerman.text} Der Verband der Paketdienste spricht von einem Einzelfall. Die Ermittler prüfen 1.842 Sendungen. ` +
        'Nach Angaben der Ermittler liegt der Schaden bei 212.500 Euro.',
    };
    const english: GroupingCandidate = {
      ...parcelEnglish,
      title: 'Parcel fraud damage put at 212,500 euros',
      text: 'Investigators in Bremen are checking 1,842 shipments handled by Paketblitz. The damage is estimated at 212,500 euros.',
      types: ['breach'],
    };
    const withSignature = sameIncidentScore(english, signedIncidentOf(german, 'x'), related);
    const withoutSignature = sameIncidentScore(english, incidentOf(german, 'x'), related);
    expect(withSignature).toBeGreaterThanOrEqual(SAME_INCIDENT_THRESHOLD);
    expect(withoutSignature).toBeLessThan(withSignature);
  });
});

describe('fingerprint: bilingual notions', () => {
  const conceptsOf = (text: string, language: 'de' | 'en'): Set<string> => fingerprint([], [{ text, language }]).concepts;

  it('matches terms of two and three words', () => {
    expect(conceptsOf('The data protection authority in Dublin opened a case.', 'en').has('regulator')).toBe(true);
    expect(conceptsOf('Under the new terms of service, uploads may be reused.', 'en').has('terms')).toBe(true);
    expect(conceptsOf('Die Fotos wurden ohne berechtigtes Interesse verwendet.', 'de').has('legal_basis')).toBe(true);
  });

  it("reads the head of hyphenated compounds and known heads inside German compounds", () => {
    expect(conceptsOf('Zwei Paketblitz-Mitarbeiter wurden befragt.', 'de').has('employees')).toBe(true);
    expect(conceptsOf('Das Bundesjustizministerium prüft den Vorgang.', 'de').has('ministry')).toBe(true);
    expect(conceptsOf('Die Landesdatenschutzbehörde hat ein Verfahren eröffnet.', 'de').has('regulator')).toBe(true);
    expect(conceptsOf('Bilder aus Mietfahrzeugen tauchten im Netz auf.', 'de').has('vehicles')).toBe(true);
  });

  it('maps the same notions in German and English', () => {
    const german = conceptsOf(
      'Die Staatsanwaltschaft wirft Betrügern vor, mit Ersatz-SIM-Karten Konten übernommen zu haben. Mehrere Reporter berichten, die Fahrer seien entlassen worden.',
      'de',
    );
    const english = conceptsOf(
      'Prosecutors accuse fraudsters of taking over accounts with replacement SIM cards. Several reporters say the drivers were fired.',
      'en',
    );
    for (const concept of ['prosecutors', 'fraud', 'sim_card', 'journalists', 'drivers', 'dismissal']) {
      expect(german.has(concept), `de ${concept}`).toBe(true);
      expect(english.has(concept), `en ${concept}`).toBe(true);
    }
  });
});

describe('the incident signature', () => {
  it('keeps what the full text says, merges sources and stays bounded', () => {
    const first = incidentSignature(parcelGerman);
    expect(first.concepts).toEqual(expect.arrayContaining(['prosecutors', 'fraud', 'employees']));
    expect(first.names.map(([name]) => name)).toContain('bremen');
    const merged = incidentSignature(parcelEnglish, first);
    expect(merged.concepts).toEqual(expect.arrayContaining(first.concepts));
    expect(merged.names.find(([name]) => name === 'bremen')?.[1]).toBe(true);

    let grown = merged;
    for (let i = 0; i < 30; i += 1) {
      const words = Array.from({ length: 200 }, (_, j) => `Ort${i}x${j} Name${i}y${j}`).join(', ');
      const numbers = Array.from({ length: 100 }, (_, j) => `${(i * 1000 + j) * 7919}`).join(' ');
      grown = incidentSignature({ ...parcelEnglish, articleKey: `bulk-${i}`, text: `${words}. ${numbers}` }, grown);
    }
    expect(grown.names.length).toBeLessThanOrEqual(300);
    expect(grown.numbers.length).toBeLessThanOrEqual(80);
    // What the first sources said keeps its place.
    expect(grown.names.map(([name]) => name)).toContain('bremen');
    expect(JSON.parse(JSON.stringify(grown))).toEqual(grown);
  });

  it('reads a malformed stored signature without throwing, taking only what is well-formed', () => {
    const print = fingerprint([], []);
    absorbSignature(print, { numbers: [['42000', 0.35], ['x', 'heavy'], 7, ['9', 5]], names: 'bremen', concepts: [1, 'fraud'] });
    expect([...print.numbers]).toEqual([['42000', 0.35], ['9', 1]]);
    expect(print.named.size).toBe(0);
    expect([...print.concepts]).toEqual(['fraud']);
    for (const broken of [null, 42, 'text', [], { numbers: null }]) expect(() => absorbSignature(fingerprint([], []), broken)).not.toThrow();
    expect(toSignature(fingerprint([], []), { names: [['a', true]], numbers: [], concepts: [] }).names).toEqual([['a', true]]);
    const incident = { ...incidentOf(parcelGerman, 'x'), signature: { numbers: 'kaputt' } } as unknown as Incident;
    expect(sameIncidentScore(parcelEnglish, incident, related)).toBeGreaterThanOrEqual(0);
  });
});
