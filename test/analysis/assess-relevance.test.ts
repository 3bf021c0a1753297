import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessRelevance, type RelevanceInput } from '../../src/analysis/assess-relevance.ts';
import { RELEVANCE_CLASSES, relevanceFeatures, type RelevanceModel } from '../../src/analysis/predict-relevance.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';
import { ADVERTISING_STORIES, OTHER_STORIES, PRIVACY_STORIES, type Story } from './privacy-stories.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const samples = path.resolve(repoRoot, '../shared/samples');

function assess(story: Story, scope: RelevanceInput['scope'], companyCount = 1) {
  return assessRelevance({ title: story.title, text: story.text, language: story.language, scope, companyCount });
}

describe('assessRelevance: privacy stories', () => {
  for (const story of PRIVACY_STORIES) {
    it(`relevant even for a general feed: ${story.title}`, () => {
      const relevance = assess(story, 'general');
      expect(relevance.relevant).toBe(true);
      expect(relevance.score).toBeGreaterThanOrEqual(0.5);
      expect(relevance.score).toBeLessThanOrEqual(1);
      expect(relevance.cues.length).toBeGreaterThan(0);
    });
  }

  it('a privacy explainer that names no company is relevant', () => {
    const explainer = PRIVACY_STORIES.find((s) => s.title.startsWith('Was die DSGVO'));
    expect(explainer).toBeDefined();
    expect(assess(explainer!, 'general', 0).relevant).toBe(true);
  });

  it('the act counts, not the words: a doorbell maker handing videos to the police', () => {
    const relevance = assessRelevance({
      title: 'Ring gibt Videos an Polizei weiter',
      text: '',
      language: 'de',
      scope: 'general',
      companyCount: 1,
    });
    expect(relevance.relevant).toBe(true);
    expect(relevance.cues).toContain('Daten an Behörden weitergegeben');
  });
});

describe('assessRelevance: stories that are not about privacy', () => {
  for (const story of OTHER_STORIES) {
    it(`not relevant, even for a privacy feed: ${story.title}`, () => {
      const relevance = assess(story, 'privacy', 2);
      expect(relevance.relevant).toBe(false);
      expect(relevance.score).toBeLessThan(0.3);
    });
  }

  for (const story of ADVERTISING_STORIES) {
    it(`advertising and deals never are: ${story.title}`, () => {
      const relevance = assess(story, 'privacy');
      expect(relevance).toMatchObject({ relevant: false, score: 0 });
      expect(relevance.cues[0]).toMatch(/^-advertising: /);
    });
  }

  it('"Anzeige" and "Deal" only mark advertising at the start of a title', () => {
    const complaint = assessRelevance({
      title: 'Datenschützer erstatten Anzeige gegen Tracking-Firma',
      text: 'Die Beschwerde richtet sich gegen das Tracking von Nutzern ohne Einwilligung.',
      language: 'de',
      scope: 'general',
      companyCount: 0,
    });
    expect(complaint.relevant).toBe(true);
  });

  it('a company name alone is no evidence, however many companies are named', () => {
    const relevance = assessRelevance({
      title: 'Amazon, Google und Meta auf Messe vertreten',
      text: 'Die drei Konzerne zeigen auf der Messe ihre Neuheiten für das kommende Jahr.',
      language: 'de',
      scope: 'privacy',
      companyCount: 3,
    });
    expect(relevance).toEqual({ relevant: false, score: 0, cues: [] });
  });
});

describe('assessRelevance: how evidence is weighed', () => {
  const productSentences = [
    'Das neue Gerät hat ein helleres Display und einen größeren Speicher.',
    'Im Alltag hält der Akku gut zwei Tage durch, bei starker Nutzung etwas weniger.',
    'Die Kamera liefert bei Tageslicht scharfe Bilder, nachts rauschen sie stärker.',
    'Das Gehäuse besteht aus Aluminium und ist gegen Spritzwasser geschützt.',
    'Der Hersteller liefert fünf Jahre lang Updates für das Betriebssystem.',
    'Beim Laden erreicht das Netzteil bis zu 45 Watt.',
  ];

  it('one passing privacy word in a long text does not make a privacy story', () => {
    const text = [...Array(6).keys()].flatMap(() => productSentences).join(' ') + ' Auch beim Datenschutz gibt es Einstellungen.';
    expect(text.length).toBeGreaterThan(2_500);
    const relevance = assessRelevance({ title: 'Im Test: das neue Mittelklasse-Handy', text, language: 'de', scope: 'privacy', companyCount: 1 });
    expect(relevance.relevant).toBe(false);
  });

  it('dense privacy evidence in the body makes a story relevant even with a neutral title', () => {
    const text = [
      'Nach Angaben des Anbieters sind Kundendaten abgeflossen.',
      'Betroffen sind Namen, Adressen und Bankverbindungen.',
      'Die Datenschutzbehörde wurde über die Datenpanne informiert.',
      'Kunden sollen ihre Zugangsdaten ändern.',
    ].join(' ');
    const relevance = assessRelevance({ title: 'Was beim Versandhändler passiert ist', text, language: 'de', scope: 'general', companyCount: 1 });
    expect(relevance.relevant).toBe(true);
  });

  it('the title weighs more than the body', () => {
    const cue = 'Datenleck beim Stromanbieter';
    const filler = 'Der Anbieter versorgt rund eine Million Haushalte in der Region mit Strom und Gas.';
    const inTitle = assessRelevance({ title: cue, text: filler, language: 'de', scope: 'general', companyCount: 1 });
    const inBody = assessRelevance({ title: 'Neues vom Stromanbieter', text: `${filler} ${cue}.`, language: 'de', scope: 'general', companyCount: 1 });
    expect(inTitle.score).toBeGreaterThan(inBody.score);
  });

  it('a recognised company strengthens evidence that is there', () => {
    const input = { title: 'Datenpanne bei Stadtwerken', text: '', language: 'de' as const, scope: 'general' as const };
    expect(assessRelevance({ ...input, companyCount: 1 }).score).toBeGreaterThan(assessRelevance({ ...input, companyCount: 0 }).score);
  });

  it('a security bug without data exposure is not a privacy story; a breach with data stolen is', () => {
    const bug = assessRelevance({
      title: 'Router-Hersteller schließt Sicherheitslücke per Update',
      text: 'Ein Fehler in der Firmware erlaubte es Angreifern, das Gerät neu zu starten. Das Update steht ab sofort bereit.',
      language: 'de',
      scope: 'general',
      companyCount: 1,
    });
    const breach = assessRelevance({
      title: 'Angreifer erbeuten Kundendaten von Router-Hersteller',
      text: 'Über eine Lücke im Kundenportal haben Unbekannte Namen, E-Mail-Adressen und Passwörter gestohlen.',
      language: 'de',
      scope: 'general',
      companyCount: 1,
    });
    expect(bug.relevant).toBe(false);
    expect(breach.relevant).toBe(true);
  });
});

describe('assessRelevance: scope', () => {
  const borderline: readonly Omit<RelevanceInput, 'scope'>[] = [
    {
      title: 'Browser bekommt neue Cookie-Einstellungen',
      text: 'Ab der nächsten Version zeigt der Browser eine überarbeitete Seite mit Einstellungen.',
      language: 'de',
      companyCount: 0,
    },
    {
      title: 'Messenger führt Verschlüsselung für Gruppenanrufe ein',
      text: 'Die Funktion soll in den kommenden Wochen für alle Nutzer freigeschaltet werden.',
      language: 'de',
      companyCount: 0,
    },
    {
      title: 'Browser adds a new cookie settings page',
      text: 'The page will appear in the next version for everyone.',
      language: 'en',
      companyCount: 0,
    },
  ];
  for (const item of borderline) {
    it(`one weak cue is enough for a privacy feed, not for a general one: ${item.title}`, () => {
      const privacy = assessRelevance({ ...item, scope: 'privacy' });
      const general = assessRelevance({ ...item, scope: 'general' });
      expect(privacy.score).toBeGreaterThan(general.score);
      expect(privacy.relevant).toBe(true);
      expect(general.relevant).toBe(false);
    });
  }
});

describe('assessRelevance: hostile input', () => {
  it('returns a bounded result for huge, odd or empty input', () => {
    const inputs: [string, string][] = [
      ['', ''],
      ['x'.repeat(1_000_000), 'y'.repeat(1_000_000)],
      ['Datenleck '.repeat(50_000), 'Daten an die Polizei weitergegeben. '.repeat(50_000)],
      ['\u0000\uD800\uFFFF', '\u0301'.repeat(100_000)],
      ['Ring', 'weiter '.repeat(100_000)],
    ];
    for (const [title, text] of inputs) {
      const relevance = assessRelevance({ title, text, language: 'de', scope: 'privacy', companyCount: 0 });
      expect(relevance.score).toBeGreaterThanOrEqual(0);
      expect(relevance.score).toBeLessThanOrEqual(1);
      expect(relevance.cues.length).toBeLessThanOrEqual(12);
    }
  });
});

// The real scraped articles live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(samples))('assessRelevance: the real samples in ../shared/samples', () => {
  for (const file of ['ring-police-videos.de.txt', 'amazon-employees-sell-data.de.txt', 'o2-smart-steps.de.txt']) {
    it(`${file} is a privacy story, even for a general feed`, () => {
      const raw = readFileSync(path.join(samples, file), 'utf8');
      const title = raw.split('\n')[0]?.trim() ?? '';
      const text = cleanArticleText(raw, { title, language: 'de' });
      const relevance = assessRelevance({ title, text, language: 'de', scope: 'general', companyCount: 1 });
      expect(relevance.relevant).toBe(true);
      expect(relevance.score).toBeGreaterThan(0.8);
    });
  }
});

describe('assessRelevance: vocabulary families added from the evaluation', () => {
  const relevantIn = (title: string, text: string, language: 'de' | 'en'): boolean =>
    assessRelevance({ title, text, language, scope: 'general', companyCount: 1 }).relevant;

  it.each([
    ['de', 'Auskunftei: Kreditwürdigkeit per Algorithmus', 'Ob ein Kunde ein Darlehen bekommt, bestimmt bei der Bank ein Scoring-Verfahren.'],
    ['de', 'Bank lehnte Kredit allein wegen niedrigem Score ab', 'Der Kunde erfuhr nicht, wie sein Wert berechnet wurde.'],
    ['en', 'Lender used automated decisions to reject applicants', 'A credit score set by software decided who got a loan.'],
  ] as const)('automated scoring and credit decisions (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Dienstleister hörten private Telefonate von Kunden mit', 'Angestellte eines Callcenters sollen Gespräche ausgewertet haben.'],
    ['de', 'Sprachassistent: Mitschnitte wurden von Fremden mitgehört', 'Ein Zulieferer belauscht seit Monaten Aufnahmen.'],
    ['en', 'Contractors listened to private recordings from smart speakers', 'The audio was meant to improve the speech software.'],
  ] as const)('eavesdropping by staff or contractors (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['en', 'Browser maker kept browsing histories of private windows', 'The company says it will change the feature.'],
    ['en', 'Streaming box sends your viewing history to advertisers', 'Users are rarely told about it.'],
    ['de', 'Erweiterung schickte den Browserverlauf an einen Server', 'Betroffen sind mehrere Hunderttausend Installationen.'],
  ] as const)('browsing and viewing records (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['en', 'Prosecutors demanded chat records from a messaging company', 'The company says it challenged the order.'],
    ['de', 'Ermittler fragten Standortdaten beim Mobilfunker ab', 'Der Anbieter lieferte die Daten ohne Widerspruch.'],
  ] as const)('authorities demanding data (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it('a flaw that "legte … offen" exposes data', () => {
    expect(relevantIn('Programmierfehler legte Bestellungen von Kunden offen', 'Die Lücke ist inzwischen geschlossen.', 'de')).toBe(true);
    // The same verb about a company's own figures is no privacy story.
    expect(relevantIn('Versandhändler legte Quartalszahlen offen', 'Der Umsatz stieg deutlich.', 'de')).toBe(false);
  });

  it('"Metadaten" alone is weak evidence: an explainer about catalogues is no privacy story', () => {
    const text =
      'Zu jedem Foto im Archiv gehören Metadaten wie Datum, Ort und Urheber. Museen pflegen diese Angaben sorgfältig, ' +
      'damit Sammlungen auffindbar bleiben. Ein neuer Standard soll den Austausch zwischen Häusern erleichtern.';
    expect(relevantIn('Ordnung im Fotoarchiv: Wozu Metadaten gut sind', text, 'de')).toBe(false);
  });

  it('a reassurance that no data was affected does not make an outage a privacy story', () => {
    const de = assessRelevance({
      title: 'Störung legt Onlinebanking stundenlang lahm',
      text: 'Kunden konnten am Morgen keine Überweisungen tätigen. Die Bank betonte, es seien keine Kundendaten abgeflossen und keine Konten betroffen. Am Mittag lief der Dienst wieder.',
      language: 'de',
      scope: 'general',
      companyCount: 1,
    });
    const en = assessRelevance({
      title: 'Payment outage hits shops across the country',
      text: 'Card terminals failed for three hours. The provider said no personal data was exposed or accessed, and the cause was a faulty update.',
      language: 'en',
      scope: 'general',
      companyCount: 1,
    });
    expect(de.relevant).toBe(false);
    expect(en.relevant).toBe(false);
  });
});

describe('assessRelevance: acts the type classifier knows, as privacy evidence', () => {
  const relevantIn = (title: string, text: string, language: 'de' | 'en'): boolean =>
    assessRelevance({ title, text, language, scope: 'general', companyCount: 1 }).relevant;

  it.each([
    ['de', 'Versandhaus verkaufte Anschriften seiner Stammkunden', 'Ein Verlag hatte die Liste für Werbebriefe bezogen.'],
    ['de', 'Spendenwerber kauften Adressen bei einem Listbroker', 'Die Betroffenen wussten davon nichts.'],
    ['en', 'Magazine publisher rented subscriber addresses to charities', 'Readers were never asked.'],
  ] as const)('address trading and list brokers (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Altbauwohnung in der Innenstadt wird vermietet', 'Die Wohnung hat drei Zimmer und einen Balkon; Besichtigungen sind ab Montag möglich.'],
    ['en', 'Landlord rented the flat to students for the summer', 'The rent includes heating and a parking space.'],
  ] as const)('renting a flat is no address trading (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });

  it.each([
    ['de', 'Hotelkette: Scans von Reisepässen lagen auf ungesichertem Cloudspeicher', 'Ein Sicherheitsforscher fand die Dateien per Suchmaschine.'],
    ['en', 'Clinic kept patient ID scans in an unsecured database', 'Anyone with the address could download them.'],
    ['en', 'Passport scans of travellers sat in an open bucket', 'A misconfigured storage bucket was exposing passports of thousands of guests.'],
  ] as const)('personal documents in open or unsecured storage (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Cloudanbieter erhöht die Preise für Speicher und Server', 'Ab März kostet ein Terabyte im Monat zwei Euro mehr.'],
    ['en', 'Cloud provider cuts storage bucket prices', 'Object storage now costs less per gigabyte in all regions.'],
  ] as const)('cloud storage prices are no exposure (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });

  it.each([
    ['de', 'Videokonferenzdienst zeichnet Gespräche künftig standardmäßig auf', 'Wer das nicht möchte, muss die Funktion abschalten.'],
    ['de', 'Fotodienst nutzt Bilder standardmäßig zum Training', 'Die Einstellung lässt sich nachträglich ändern.'],
    ['en', 'Messenger makes profiles public by default', 'Older accounts are switched over without a prompt.'],
  ] as const)('privacy-affecting default settings (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Rennspiel aktiviert standardmäßig Raytracing', 'Auf älteren Grafikkarten sinkt dadurch die Bildrate deutlich.'],
    ['en', 'Shooter turns on motion blur by default', 'Players can switch it off in the graphics menu.'],
  ] as const)("a game's default settings are no privacy story (%s): %s", (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });

  it.each([
    ['de', 'Staatsanwaltschaft ließ sich Chats Hunderter Forennutzer geben', 'Die meisten Betroffenen waren unbeteiligt.'],
    ['de', 'Ermittler erhielten die Mitgliederliste eines Vereins', 'Der Verein wurde nicht gefragt.'],
    ['en', 'Police obtained the messages of thousands of app users', 'A judge approved the broad request.'],
  ] as const)("authorities obtaining users' messages or lists (%s): %s", (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Polizei erhielt viele Hinweise nach dem Einbruch', 'Zeugen hatten einen dunklen Wagen gesehen.'],
    ['en', 'Police received calls about a missing dog', 'The dog was found in a neighbour\u2019s garden.'],
  ] as const)('ordinary police news is no data access (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });

  it.each([
    ['de', 'Einkaufszentrum verfolgt Besucher über Bluetooth-Signale', 'Die Betreiber wollen wissen, welche Geschäfte beliebt sind.'],
    ['en', 'Airport tracks passengers through Wi-Fi signals of their phones', 'The operator says the data helps plan staffing.'],
  ] as const)('tracking people via wireless signals (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'WLAN-Störung legt Filialnetz lahm', 'Kunden konnten stundenlang nicht mit Karte bezahlen, bis der Router getauscht war.'],
    ['de', 'Paket verfolgen: So funktioniert die Sendungsverfolgung', 'Mit der Nummer auf dem Beleg sehen Kunden, wo ihre Lieferung gerade ist.'],
    ['en', 'Wi-Fi outage leaves hotel guests offline', 'Phones could not reach the network for hours until a router was replaced.'],
    ['en', 'How to track your parcel with the courier app', 'Enter the number from the receipt to see where the delivery is.'],
  ] as const)('a Wi-Fi outage or parcel tracking is no surveillance (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });

  it.each([
    ['de', 'Logistiker: Pausen der Beschäftigten werden minutengenau protokolliert', 'Der Betriebsrat hat Beschwerde eingelegt.'],
    ['en', 'Call centre software logged idle time of every employee', 'Managers received a daily ranking.'],
  ] as const)('employee performance monitoring (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Ein Angestellter las heimlich Privatnachrichten von Nutzerinnen', 'Die Plattform hat ihm den Zugang zu den Werkzeugen entzogen.'],
    ['de', 'Kundendienst-Mitarbeiter hat Chatverläufe von Kunden mitgelesen', 'Das Unternehmen prüft nun, wer Zugriff hatte.'],
    ['en', 'Support staff read private messages of gamers without a ticket', 'The company has restricted the tools since.'],
  ] as const)('staff reading private messages (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Fehlerhafte Schnittstelle gab Adressen von Kunden preis', 'Ein Forscher hatte das Problem gemeldet.'],
    ['de', 'Messenger gibt fremde Nachrichten preis', 'Die Lücke betraf die Web-Version.'],
  ] as const)('the separable verb "preisgeben" is a disclosure, not a price (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Bank ändert Datenschutzhinweise zum 1. März', 'Kontobewegungen sollen künftig für Angebote genutzt werden.'],
    ['de', 'Versandhändler passt Nutzungsbedingungen an – Kaufhistorie für Werbung', 'Wer das nicht will, muss in den Einstellungen widersprechen.'],
  ] as const)('a privacy policy or terms changed (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(true);
  });

  it.each([
    ['de', 'Preis gesenkt: Laptop gibt es jetzt günstiger', 'Der Händler gab den Preis am Montag bekannt.'],
    ['en', 'Builder must pay supermarket chain for breach of contract', 'A court found that the new warehouse was handed over eight months late.'],
    ['en', 'Supplier breached the contract with a carmaker, judges rule', 'The parts arrived too late for the production line.'],
  ] as const)('a price or a breach of contract is no privacy story (%s): %s', (language, title, text) => {
    expect(relevantIn(title, text, language)).toBe(false);
  });
});

describe('assessRelevance: the cues and the learned model vote together', () => {
  /** Fifty distinct filler words, so that a toy model knows enough of an item for its vote to count in full. */
  const filler = Array.from({ length: 50 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}wort`).join(' ');
  const input = (title: string): RelevanceInput => ({ title, text: filler, language: 'de', scope: 'general', companyCount: 1 });
  /** A toy model that finds every word it is given privacy-like (or not): sure of itself on these items. */
  const sure = (item: RelevanceInput, relevant: boolean): RelevanceModel => ({
    classes: RELEVANCE_CLASSES,
    bias: [0, 0],
    weights: Object.fromEntries(relevanceFeatures(item.title, item.text, item.scope).map((f) => [f, relevant ? [0.5, -0.5] : [-0.5, 0.5]])),
  });

  it('without a single privacy cue nothing is relevant, however sure the model is', () => {
    const item = input('Amazon stellt neuen Kindle vor');
    const relevance = assessRelevance(item, sure(item, true));
    expect(relevance.relevant).toBe(false);
    expect(relevance.score).toBe(0);
  });

  it('the model lifts a story whose cues alone fall short, and sinks one the cues alone would pass', () => {
    const weak = input('Versandhändler ändert Umgang mit Kundendaten');
    const strong = input('Datenleck bei Versandhändler');
    expect(assessRelevance(weak, sure(weak, false)).relevant).toBe(false);
    expect(assessRelevance(weak, sure(weak, true)).relevant).toBe(true);
    expect(assessRelevance(strong, sure(strong, true)).relevant).toBe(true);
    expect(assessRelevance(strong, sure(strong, false)).relevant).toBe(false);
  });

  it('a bare headline gives the model too few words to overrule the cues', () => {
    const headline: RelevanceInput = { title: 'Datenleck bei Versandhändler', text: '', language: 'de', scope: 'general', companyCount: 1 };
    const doubting = sure(headline, false);
    expect(assessRelevance(headline, doubting).relevant).toBe(true);
  });
});
