import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cueIncidentTypes } from '../../src/analysis/score-type-cues.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';
import { INCIDENT_TYPES } from '../../src/model/analysis.ts';
import { OTHER_STORIES, PRIVACY_STORIES } from './privacy-stories.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const samples = path.resolve(repoRoot, '../shared/samples');

describe('cueIncidentTypes: written stories', () => {
  for (const story of PRIVACY_STORIES.filter((s) => s.types !== undefined)) {
    it(`${story.language}: ${story.title} → ${story.types?.join(', ')}`, () => {
      expect(cueIncidentTypes(story.title, story.text, story.language)).toEqual(story.types);
    });
  }

  it('covers every incident type in both languages', () => {
    for (const language of ['de', 'en'] as const) {
      const found = new Set(
        PRIVACY_STORIES.filter((s) => s.language === language).flatMap((s) => cueIncidentTypes(s.title, s.text, s.language)),
      );
      const missing = INCIDENT_TYPES.filter((t) => !found.has(t) && !(language === 'en' && t === 'unlawful_processing'));
      expect(missing, language).toEqual([]);
    }
  });

  it('finds no type in stories that are not about privacy', () => {
    for (const story of OTHER_STORIES) expect(cueIncidentTypes(story.title, story.text, story.language), story.title).toEqual([]);
  });

  it('returns [] for empty input', () => {
    expect(cueIncidentTypes('', '', 'de')).toEqual([]);
    expect(cueIncidentTypes('', '', 'en')).toEqual([]);
  });
});

describe('cueIncidentTypes: the title’s main act comes first', () => {
  it('a fine for a leak leads with the fine', () => {
    expect(cueIncidentTypes('Bußgeld gegen Onlineshop wegen Datenpanne', '', 'de')).toEqual(['enforcement', 'breach']);
    expect(cueIncidentTypes('Hospital group fined after patient data breach', '', 'en')).toEqual(['enforcement', 'breach']);
  });

  it('a leak that led to a fine, headlined so, leads with the leak', () => {
    expect(cueIncidentTypes('Datenleck bei Onlineshop: Behörde verhängt Bußgeld', '', 'de')).toEqual(['breach', 'enforcement']);
  });

  it('employees selling data is insider abuse first, then a data sale', () => {
    expect(cueIncidentTypes('Mitarbeiter von Mobilfunker verkaufen Kundendaten', '', 'de')).toEqual(['insider_abuse', 'data_sale']);
    expect(cueIncidentTypes('Bank employees sold customer data to fraudsters', '', 'en')).toEqual(['insider_abuse', 'data_sale']);
  });

  it('tracking without consent is tracking first, then unlawful processing', () => {
    expect(cueIncidentTypes('App trackt Nutzer ohne Einwilligung', '', 'de')).toEqual(['tracking', 'unlawful_processing']);
    expect(cueIncidentTypes('Shopping app tracked users without consent', '', 'en')).toEqual(['tracking', 'unlawful_processing']);
  });

  it('a policy change for AI training is a policy change', () => {
    expect(cueIncidentTypes('Meta ändert Datenschutzrichtlinie für KI-Training', '', 'de')).toEqual(['policy_change']);
    expect(cueIncidentTypes('Chat service changes privacy policy to use messages for AI training', '', 'en')).toEqual(['policy_change']);
  });

  it('a threatened fine in the body does not make a story about enforcement', () => {
    const text =
      'Ein Datenschützer kritisierte das Vorgehen. Unternehmen, die Daten ohne Pflicht herausgeben, drohen Bußgelder. Die Firma äußerte sich nicht.';
    expect(cueIncidentTypes('Paketdienst gibt Kundendaten an Polizei weiter', text, 'de')).toEqual(['authority_access']);
  });
});

describe('cueIncidentTypes: vocabulary families and constructions', () => {
  const primary = (title: string, text: string, language: 'de' | 'en') => cueIncidentTypes(title, text, language)[0];

  it('staff sharing or listening to private recordings is insider abuse', () => {
    expect(primary('Angestellte eines Pflegedienstes teilten private Fotos von Patienten', '', 'de')).toBe('insider_abuse');
    expect(primary('Callcenter-Mitarbeiter hörten vertrauliche Telefonate von Kunden mit', '', 'de')).toBe('insider_abuse');
    expect(primary("Hotel staff shared private footage from guests' rooms", '', 'en')).toBe('insider_abuse');
    expect(primary('Contractors listened to confidential recordings of users', '', 'en')).toBe('insider_abuse');
  });

  it('staff sharing photos of an event is not', () => {
    expect(cueIncidentTypes('Staff shared photos of the launch event', 'The team celebrated the release.', 'en')).toEqual([]);
  });

  it('location and time tracking of workers is tracking', () => {
    expect(primary('Paketdienst erfasst Zusteller sekundengenau', 'Die App übermittelt den Standort laufend an die Zentrale.', 'de')).toBe(
      'tracking',
    );
    expect(primary('Spedition späht Fahrer per Telematik aus', '', 'de')).toBe('tracking');
    expect(primary('Delivery platform tracked couriers every few seconds', '', 'en')).toBe('tracking');
  });

  it('browsing and viewing records are tracking', () => {
    expect(primary('Antivirus tool collected browsing histories', 'The data reached analytics partners.', 'en')).toBe('tracking');
    expect(primary('Fernseher zeichnet Surfverhalten auf', 'Daraus entsteht personalisierte Werbung.', 'de')).toBe('tracking');
  });

  it('a changed privacy notice is a policy change', () => {
    expect(primary('Messenger ändert Datenschutzhinweise für neue Funktionen', '', 'de')).toBe('policy_change');
    expect(primary('Fitness app updates its privacy notice to allow ads', '', 'en')).toBe('policy_change');
  });

  it('a complaint or a missing legal basis makes unlawful processing lead over the announced practice', () => {
    expect(primary('Beschwerde gegen Netzwerk: Fotos für KI-Training genutzt', '', 'de')).toBe('unlawful_processing');
    expect(primary('Complaints filed over chatbot trained on users\' messages', '', 'en')).toBe('unlawful_processing');
    expect(primary('Videoanalyse der Stadt: Datenschützer sehen keine Rechtsgrundlage', '', 'de')).toBe('unlawful_processing');
    // The announcement itself stays a policy change.
    expect(primary('Netzwerk ändert Datenschutzrichtlinie: Fotos fließen ins KI-Training', '', 'de')).toBe('policy_change');
  });

  it('consent missing in other words is unlawful processing', () => {
    expect(cueIncidentTypes('Fitnessstudio speicherte Fingerabdrücke ohne ausdrückliche Einwilligung', '', 'de')).toContain(
      'unlawful_processing',
    );
    expect(cueIncidentTypes('Gym stored fingerprints without members\' consent', '', 'en')).toContain('unlawful_processing');
  });

  it('automated credit decisions are unlawful processing; a court headline is enforcement', () => {
    expect(cueIncidentTypes('Gericht: Bank darf Kredit nicht allein nach Score ablehnen', '', 'de')).toEqual([
      'enforcement',
      'unlawful_processing',
    ]);
    expect(primary('Landlord used automated decisions to reject tenants', 'A credit score alone decided.', 'en')).toBe('unlawful_processing');
  });

  it('authorities demanding records is authority access; investigators looking into a leak are not', () => {
    expect(primary('Police have been demanding chat records from messaging apps', '', 'en')).toBe('authority_access');
    expect(cueIncidentTypes('Ermittlungen gegen Händler wegen weitergegebener Kundendaten', '', 'de')).not.toContain(
      'authority_access',
    );
  });

  it('a flaw that "legte … offen" is a breach', () => {
    expect(primary('Konfigurationsfehler legte Rezepte von Patienten offen', '', 'de')).toBe('breach');
  });

  it('a negated leak is no breach', () => {
    expect(cueIncidentTypes('Ausfall beim Cloudanbieter', 'Es sind nach Angaben des Anbieters keine Kundendaten abgeflossen.', 'de')).toEqual([]);
    expect(cueIncidentTypes('Cloud provider outage', 'The provider said no customer records were exposed.', 'en')).toEqual([]);
  });

  it('settling a lawsuit is enforcement', () => {
    expect(cueIncidentTypes('Data broker agrees to settle lawsuit over location tracking', '', 'en')).toContain('enforcement');
  });
});

describe('cueIncidentTypes: hostile input', () => {
  it('stays bounded and returns known types only', () => {
    const inputs: [string, string][] = [
      ['x'.repeat(1_000_000), 'y '.repeat(1_000_000)],
      ['Datenleck Bußgeld trackt', 'Mitarbeiter verkaufen Daten an Polizei. '.repeat(100_000)],
      ['\u0000\uD800', '\u0301\uFFFF'.repeat(100_000)],
    ];
    for (const [title, text] of inputs) {
      const types = cueIncidentTypes(title, text, 'de');
      for (const type of types) expect(INCIDENT_TYPES).toContain(type);
      expect(new Set(types).size).toBe(types.length);
    }
  });
});

// The real scraped articles live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(samples))('cueIncidentTypes: the real samples in ../shared/samples', () => {
  const expected = {
    'ring-police-videos.de.txt': ['authority_access'],
    'amazon-employees-sell-data.de.txt': ['insider_abuse', 'data_sale'],
    'o2-smart-steps.de.txt': ['data_sale', 'enforcement'],
  };
  for (const [file, types] of Object.entries(expected)) {
    it(`${file} → ${types.join(', ')}`, () => {
      const raw = readFileSync(path.join(samples, file), 'utf8');
      const title = raw.split('\n')[0]?.trim() ?? '';
      const text = cleanArticleText(raw, { title, language: 'de' });
      expect(cueIncidentTypes(title, text, 'de')).toEqual(types);
    });
  }
});

/**
 * Cue families added for acts that headlines often state without the usual topic words: an individual employee
 * snooping, authorities having data sent to them, address renting, retention and over-collection, default
 * changes, performance and footfall tracking, open storage. Sentences written for these tests.
 */
describe('cueIncidentTypes: act families without topic words', () => {
  const cases: readonly { language: 'de' | 'en'; title: string; text: string; primary: string }[] = [
    { language: 'de', title: 'Finanzamt: Sachbearbeiter schnüffelte in Steuerakten von Prominenten', text: '', primary: 'insider_abuse' },
    { language: 'de', title: 'Angestellter einer Versicherung spähte Daten seiner Ex-Freundin aus', text: '', primary: 'insider_abuse' },
    { language: 'en', title: 'Bank clerk browsed the accounts of local celebrities for months', text: '', primary: 'insider_abuse' },
    { language: 'de', title: 'Zoll ließ sich Kundenlisten eines Paketdienstes schicken', text: '', primary: 'authority_access' },
    { language: 'de', title: 'Landeskriminalamt erhielt Nachrichtenverläufe von Forennutzern', text: '', primary: 'authority_access' },
    { language: 'en', title: 'Police obtained passenger lists from a ferry operator without a warrant', text: '', primary: 'authority_access' },
    { language: 'de', title: 'Versandhaus vermietete Kundenadressen an Spendenvereine', text: '', primary: 'data_sale' },
    { language: 'de', title: 'Verlag im Adresshandel: Abonnentendaten gingen an Listbroker', text: '', primary: 'data_sale' },
    { language: 'en', title: 'Retailer rented customer mailing addresses to a list broker', text: '', primary: 'data_sale' },
    { language: 'de', title: 'Klinik hat Patientendaten zwölf Jahre gespeichert', text: '', primary: 'unlawful_processing' },
    { language: 'de', title: 'Fitnessstudio fragt bei Anmeldung mehr Daten ab als erforderlich', text: 'Das Studio verlangt mehr Angaben als nötig.', primary: 'unlawful_processing' },
    { language: 'en', title: 'Gym chain kept former members\' records for years after they left', text: '', primary: 'unlawful_processing' },
    { language: 'en', title: 'Landlord portal asks tenants for more data than necessary', text: 'The regulator says it breaches storage limitation.', primary: 'unlawful_processing' },
    { language: 'de', title: 'Videodienst schaltet Sprachaufzeichnung künftig standardmäßig ein', text: 'Die Aufzeichnung ist standardmäßig aktiviert.', primary: 'policy_change' },
    { language: 'en', title: 'Chat app now shares contact lists by default', text: 'The setting was switched on by default and users have to opt out.', primary: 'policy_change' },
    { language: 'de', title: 'Lagerbetreiber wertet Pausen der Beschäftigten minutengenau aus', text: 'Die Software hat die Pausen der Beschäftigten ausgewertet.', primary: 'tracking' },
    { language: 'de', title: 'Einkaufszentrum erfasst Laufwege der Besucher über Bluetooth-Signale', text: '', primary: 'tracking' },
    { language: 'en', title: 'Warehouse software ranked workers by their idle time', text: 'Idle time of workers was logged to the second.', primary: 'tracking' },
    { language: 'en', title: 'Mall tracked shoppers\' movements through Wi-Fi signals from their phones', text: '', primary: 'tracking' },
    { language: 'de', title: 'Gutachten von Versicherten lagen auf einem ungeschützten Server', text: 'Die Dateien waren ohne Passwort öffentlich zugänglich.', primary: 'breach' },
    { language: 'en', title: 'Hotel guests\' passport scans found in an unsecured cloud bucket', text: 'The files were publicly accessible without a password.', primary: 'breach' },
  ];
  for (const c of cases) {
    it(`${c.language}: ${c.title} → ${c.primary}`, () => {
      expect(cueIncidentTypes(c.title, c.text, c.language)[0]).toBe(c.primary);
    });
  }

  it('does not read routine statements with the same words as incidents', () => {
    expect(cueIncidentTypes('Vermieter vermietet drei Wohnungen am Stadtrand', '', 'de')).toEqual([]);
    expect(cueIncidentTypes('Cloud storage prices fall as new servers open', '', 'en')).toEqual([]);
    expect(cueIncidentTypes('Das Spiel speichert den Fortschritt standardmäßig in der Cloud', '', 'de')).toEqual([]);
    expect(cueIncidentTypes('Bank clerk retires after forty years', '', 'en')).toEqual([]);
  });

  it.each([
    ['de', 'Sachbearbeiter las private Nachrichten von Kundinnen', 'Er hatte dafür Zugang zum Supportsystem.', 'insider_abuse'],
    ['en', 'Employees read private messages of users through an admin panel', 'The firm fired two of them.', 'insider_abuse'],
    ['de', 'Lücke in der App gab Chatverläufe anderer Nutzer preis', 'Der Hersteller hat sie geschlossen.', 'breach'],
    ['de', 'Shop passt seine Datenschutzerklärung zum 1. Juni an', 'Kaufdaten sollen dann auch für Werbung dienen.', 'policy_change'],
    ['de', 'Zollfahndung fragte bei der Bank Kontoprofile ab', 'Ein richterlicher Beschluss lag nicht vor.', 'authority_access'],
    ['de', 'Versicherer muss Geldbuße von zwei Millionen Euro zahlen', 'Die Aufsicht sah einen Verstoß gegen Löschpflichten.', 'enforcement'],
    ['de', 'Millionenbuße gegen Hausverwaltung wegen Mieterdaten', 'Die Daten seien zu lange gespeichert worden.', 'enforcement'],
  ] as const)('%s: %s → %s first', (language, title, text, primary) => {
    expect(cueIncidentTypes(title, text, language)[0]).toBe(primary);
  });

  it('does not read a price, a reading or an unrelated act as an incident', () => {
    expect(cueIncidentTypes('Hersteller gab den Preis für das neue Modell bekannt', '', 'de')).toEqual([]);
    expect(cueIncidentTypes('Mitarbeiter las Kindern im Krankenhaus Geschichten vor', '', 'de')).toEqual([]);
    expect(cueIncidentTypes('Staff read the news to residents of the care home', '', 'en')).toEqual([]);
    expect(cueIncidentTypes('Stadtwerke passen Preise zum 1. Januar an', '', 'de')).toEqual([]);
  });
});
