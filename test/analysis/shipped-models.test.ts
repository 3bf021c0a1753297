import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabelledSet } from '../../src/analysis/evaluate/labelled-set.ts';
import { INCIDENT_TYPE_MODEL, RELEVANCE_MODEL, type ModelSpec } from '../../src/analysis/evaluate/model-examples.ts';
import { trainingFingerprint } from '../../src/analysis/evaluate/train-word-model.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const items = loadLabelledSet(path.join(repoRoot, 'test/analysis/labelled'));

/**
 * The learned models in src/analysis/data/ must come from the labelled set as it is now: a label fixed or an
 * item added without `npm run train-models` would leave the bot running on stale weights.
 */
describe('the shipped learned models', () => {
  const specs: ModelSpec<string>[] = [INCIDENT_TYPE_MODEL, RELEVANCE_MODEL];
  for (const spec of specs) {
    it(`${spec.file} was trained on the current labelled set (else: npm run train-models)`, () => {
      const shipped = JSON.parse(readFileSync(path.join(repoRoot, 'src/analysis/data', spec.file), 'utf8')) as {
        trainedOn: { examples: number; fingerprint: string };
      };
      const examples = spec.examples(items);
      expect(shipped.trainedOn.examples).toBe(examples.length);
      expect(shipped.trainedOn.fingerprint).toBe(trainingFingerprint(examples));
    });
  }
});
