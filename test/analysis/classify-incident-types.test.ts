import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyIncidentTypes } from '../../src/analysis/classify-incident-types.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';
import { INCIDENT_TYPES } from '../../src/model/analysis.ts';
import { OTHER_STORIES, PRIVACY_STORIES } from './privacy-stories.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const samples = path.resolve(repoRoot, '../shared/samples');

describe('classifyIncidentTypes: written stories', () => {
  for (const story of PRIVACY_STORIES.filter((s) => s.types !== undefined)) {
    it(`${story.language}: ${story.title} → ${story.types?.join(', ')}`, () => {
      expect(classifyIncidentTypes(story.title, story.text, story.language)).toEqual(story.types);
    });
  }

  it('covers every incident type in both languages', () => {
    for (const language of ['de', 'en'] as const) {
      const found = new Set(
        PRIVACY_STORIES.filter((s) => s.language === language).flatMap((s) => classifyIncidentTypes(s.title, s.text, s.language)),
      );
      const missing = INCIDENT_TYPES.filter((t) => !found.has(t) && !(language === 'en' && t === 'unlawful_processing'));
      expect(missing, language).toEqual([]);
    }
  });

  it('finds no type in stories that are not about privacy', () => {
    for (const story of OTHER_STORIES) expect(classifyIncidentTypes(story.title, story.text, story.language), story.title).toEqual([]);
  });

  it('returns [] for empty input', () => {
    expect(classifyIncidentTypes('', '', 'de')).toEqual([]);
    expect(classifyIncidentTypes('', '', 'en')).toEqual([]);
  });
});

describe('classifyIncidentTypes: the title’s main act comes first', () => {
  it('a fine for a leak leads with the fine', () => {
    expect(classifyIncidentTypes('Bußgeld gegen Onlineshop wegen Datenpanne', '', 'de')).toEqual(['enforcement', 'breach']);
    expect(classifyIncidentTypes('Hospital group fined after patient data breach', '', 'en')).toEqual(['enforcement', 'breach']);
  });

  it('a leak that led to a fine, headlined so, leads with the leak', () => {
    expect(classifyIncidentTypes('Datenleck bei Onlineshop: Behörde verhängt Bußgeld', '', 'de')).toEqual(['breach', 'enforcement']);
  });

  it('employees selling data is insider abuse first, then a data sale', () => {
    expect(classifyIncidentTypes('Mitarbeiter von Mobilfunker verkaufen Kundendaten', '', 'de')).toEqual(['insider_abuse', 'data_sale']);
    expect(classifyIncidentTypes('Bank employees sold customer data to fraudsters', '', 'en')).toEqual(['insider_abuse', 'data_sale']);
  });

  it('tracking without consent is tracking first, then unlawful processing', () => {
    expect(classifyIncidentTypes('App trackt Nutzer ohne Einwilligung', '', 'de')).toEqual(['tracking', 'unlawful_processing']);
    expect(classifyIncidentTypes('Shopping app tracked users without consent', '', 'en')).toEqual(['tracking', 'unlawful_processing']);
  });

  it('a policy change for AI training is a policy change', () => {
    expect(classifyIncidentTypes('Meta ändert Datenschutzrichtlinie für KI-Training', '', 'de')).toEqual(['policy_change']);
    expect(classifyIncidentTypes('Chat service changes privacy policy to use messages for AI training', '', 'en')).toEqual(['policy_change']);
  });

  it('a threatened fine in the body does not make a story about enforcement', () => {
    const text =
      'Ein Datenschützer kritisierte das Vorgehen. Unternehmen, die Daten ohne Pflicht herausgeben, drohen Bußgelder. Die Firma äußerte sich nicht.';
    expect(classifyIncidentTypes('Paketdienst gibt Kundendaten an Polizei weiter', text, 'de')).toEqual(['authority_access']);
  });
});

describe('classifyIncidentTypes: hostile input', () => {
  it('stays bounded and returns known types only', () => {
    const inputs: [string, string][] = [
      ['x'.repeat(1_000_000), 'y '.repeat(1_000_000)],
      ['Datenleck Bußgeld trackt', 'Mitarbeiter verkaufen Daten an Polizei. '.repeat(100_000)],
      ['\u0000\uD800', '\u0301\uFFFF'.repeat(100_000)],
    ];
    for (const [title, text] of inputs) {
      const types = classifyIncidentTypes(title, text, 'de');
      for (const type of types) expect(INCIDENT_TYPES).toContain(type);
      expect(new Set(types).size).toBe(types.length);
    }
  });
});

// The real scraped articles live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(samples))('classifyIncidentTypes: the real samples in ../shared/samples', () => {
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
      expect(classifyIncidentTypes(title, text, 'de')).toEqual(types);
    });
  }
});
