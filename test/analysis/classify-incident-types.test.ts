import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyIncidentTypes } from '../../src/analysis/classify-incident-types.ts';
import type { IncidentTypeModel } from '../../src/analysis/predict-incident-type.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';
import { INCIDENT_TYPES } from '../../src/model/analysis.ts';
import { OTHER_STORIES, PRIVACY_STORIES } from './privacy-stories.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const samples = path.resolve(repoRoot, '../shared/samples');

/** A model that only knows one word: "zuckerbrot" in a title means insider abuse. */
function oneWordModel(probabilityShift: number): IncidentTypeModel {
  const row = INCIDENT_TYPES.map((type) => (type === 'insider_abuse' ? probabilityShift : 0));
  return { classes: INCIDENT_TYPES, bias: INCIDENT_TYPES.map(() => 0), weights: { 't:zucker': row } };
}

describe('classifyIncidentTypes: the model names the primary type, the cues add further types', () => {
  it('puts the model’s type first and keeps the cue types after it', () => {
    const types = classifyIncidentTypes('Zuckerbrot: Bußgeld wegen Datenpanne', '', 'de', oneWordModel(5));
    expect(types[0]).toBe('insider_abuse');
    expect(types.slice(1)).toEqual(['enforcement', 'breach']);
  });

  it('does not repeat a type the cues also found', () => {
    const types = classifyIncidentTypes('Bußgeld gegen Onlineshop wegen Datenpanne', '', 'de');
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain('enforcement');
    expect(types).toContain('breach');
  });

  it('without any cue, names a type only when the model is clearly more than guessing', () => {
    expect(classifyIncidentTypes('Zuckerbrot', '', 'de', oneWordModel(5))).toEqual(['insider_abuse']);
    // Scores all equal: one in eight is a guess, so no type.
    expect(classifyIncidentTypes('Zuckerbrot', '', 'de', oneWordModel(0))).toEqual([]);
  });

  it('names the stories written for the tests: their primary type among the types, first in nine of ten', () => {
    const typed = PRIVACY_STORIES.filter((story) => (story.types?.length ?? 0) > 0);
    let first = 0;
    for (const story of typed) {
      const types = classifyIncidentTypes(story.title, story.text, story.language);
      expect(types, story.title).toContain(story.types![0]);
      if (types[0] === story.types![0]) first++;
    }
    // "Court bans sale of location data" is the known disagreement: a ban of a sale, led by the sale.
    expect(first / typed.length).toBeGreaterThanOrEqual(0.9);
  });

  it('survives empty and hostile input', () => {
    expect(() => classifyIncidentTypes('', '', 'de')).not.toThrow();
    expect(() => classifyIncidentTypes('\u202e'.repeat(5_000), 'a'.repeat(2_000_000), 'en')).not.toThrow();
    for (const story of OTHER_STORIES) expect(() => classifyIncidentTypes(story.title, story.text, story.language)).not.toThrow();
  });
});

// The real scraped articles live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(samples))('classifyIncidentTypes: the real samples in ../shared/samples', () => {
  const expected = {
    'ring-police-videos.de.txt': 'authority_access',
    'amazon-employees-sell-data.de.txt': 'insider_abuse',
    'o2-smart-steps.de.txt': 'data_sale',
  };
  for (const [file, primary] of Object.entries(expected)) {
    it(`${file} → ${primary} first`, () => {
      const raw = readFileSync(path.join(samples, file), 'utf8');
      const title = raw.split('\n')[0]?.trim() ?? '';
      const text = cleanArticleText(raw, { title, language: 'de' });
      expect(classifyIncidentTypes(title, text, 'de')[0]).toBe(primary);
    });
  }

  it('keeps the second types the issue names (insider abuse then data sale; data sale then enforcement)', () => {
    const read = (file: string) => {
      const raw = readFileSync(path.join(samples, file), 'utf8');
      const title = raw.split('\n')[0]?.trim() ?? '';
      return classifyIncidentTypes(title, cleanArticleText(raw, { title, language: 'de' }), 'de');
    };
    expect(read('amazon-employees-sell-data.de.txt')).toEqual(['insider_abuse', 'data_sale']);
    expect(read('o2-smart-steps.de.txt')).toEqual(['data_sale', 'enforcement']);
  });
});
