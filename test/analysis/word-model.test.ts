import { describe, expect, it } from 'vitest';
import {
  crossValidateWordModel,
  predictClass,
  trainWordModel,
  trainingFingerprint,
  type WordExample,
} from '../../src/analysis/evaluate/train-word-model.ts';
import { wordFeatures } from '../../src/analysis/word-features.ts';
import { checkWordModel, classProbabilities, softmax } from '../../src/analysis/word-model.ts';

const CLASSES = ['leak', 'fine'] as const;
type Toy = (typeof CLASSES)[number];

/** Toy stories written for these tests: leaks talk about exposed records, fines about penalties. */
const STORIES: WordExample<Toy>[] = [
  ['a', 'Server exposed customer records', 'Records of customers were exposed on an open server.', 'leak'],
  ['b', 'Hackers stole patient records', 'Attackers stole records and exposed them online.', 'leak'],
  ['c', 'Database left open exposed addresses', 'Addresses were exposed to anyone online.', 'leak'],
  ['d', 'Regulator imposes penalty on retailer', 'The regulator imposed a penalty of two million euros.', 'fine'],
  ['e', 'Court orders penalty for insurer', 'The court ordered a penalty after the regulator complained.', 'fine'],
  ['f', 'Penalty for telecom operator', 'The regulator set a penalty for the operator.', 'fine'],
].map(([id, title, text, label]) => ({ id: id!, features: wordFeatures(title!, text!), label: label as Toy }));

describe('wordFeatures', () => {
  it('reads folded stems of title and text, and the heads of long compounds', () => {
    const features = wordFeatures('Bußgeld für Händler', 'Die Kundendaten lagen offen.');
    expect(features).toContain('t:bussge');
    expect(features).toContain('w:kunden');
    expect(features).toContain('h:ndaten');
    expect(features).not.toContain('w:die'); // a stopword
  });

  it('reads only the lead of a long text, so its length does not outweigh the headline', () => {
    const long = `${'word '.repeat(400)}tailword`;
    expect(wordFeatures('t', long)).not.toContain('w:tailwo');
  });

  it('handles empty and hostile input', () => {
    expect(wordFeatures('', '')).toEqual([]);
    expect(() => wordFeatures('\u202e\u0000'.repeat(10_000), 'x'.repeat(1_000_000))).not.toThrow();
  });
});

describe('trainWordModel', () => {
  const model = trainWordModel(STORIES, CLASSES);

  it('learns words that tell the classes apart', () => {
    expect(predictClass(model, wordFeatures('Old server exposed records', ''))).toBe('leak');
    expect(predictClass(model, wordFeatures('Regulator sets penalty', ''))).toBe('fine');
    const [best] = classProbabilities(wordFeatures('Records exposed', ''), model);
    expect(best?.class).toBe('leak');
    expect(best?.probability).toBeGreaterThan(0.5);
  });

  it('is deterministic and independent of the order of the examples', () => {
    expect(trainWordModel([...STORIES].reverse(), CLASSES)).toEqual(model);
    expect(trainingFingerprint([...STORIES].reverse())).toBe(trainingFingerprint(STORIES));
  });

  it('fingerprints what it learned from: a changed label changes the fingerprint', () => {
    const relabelled = STORIES.map((s, i) => (i === 0 ? { ...s, label: 'fine' as const } : s));
    expect(trainingFingerprint(relabelled)).not.toBe(trainingFingerprint(STORIES));
  });

  it('refuses a label outside its classes', () => {
    expect(() => trainWordModel([{ id: 'x', features: [], label: 'other' as Toy }], CLASSES)).toThrow(/unknown class/);
  });
});

describe('crossValidateWordModel', () => {
  it('judges each group with a model that never saw it', () => {
    // Group "odd" holds a word that appears nowhere else, labelled against everything the others teach.
    const odd: WordExample<Toy>[] = [{ id: 'z', features: ['w:zzzzzz', 'w:penalt'], label: 'leak' }];
    const result = crossValidateWordModel(new Map([['stories', STORIES], ['odd', odd]]), CLASSES);
    expect(result.folds.map((f) => f.fold)).toEqual(['stories', 'odd']);
    expect(result.predictions.get('z')).toBe('fine'); // trained without "odd", it only knows "penalty" → fine
    expect(result.evaluated).toBe(STORIES.length + 1);
    expect(result.correct).toBeLessThan(result.evaluated);
  });
});

describe('checkWordModel', () => {
  const good = { classes: ['leak', 'fine'], bias: [0, 0], weights: { 'w:record': [1, -1] } };

  it('accepts a well-formed model', () => {
    expect(checkWordModel(good, CLASSES, 'toy').weights['w:record']).toEqual([1, -1]);
  });

  it('refuses classes, biases or weights that do not fit', () => {
    expect(() => checkWordModel({ ...good, classes: ['fine', 'leak'] }, CLASSES, 'toy')).toThrow(/classes/);
    expect(() => checkWordModel({ ...good, bias: [0] }, CLASSES, 'toy')).toThrow(/bias/);
    expect(() => checkWordModel({ ...good, weights: { x: [1] } }, CLASSES, 'toy')).toThrow(/weights for x/);
    expect(() => checkWordModel({ ...good, weights: { x: [1, Number.NaN] } }, CLASSES, 'toy')).toThrow(/weights for x/);
    expect(() => checkWordModel(null, CLASSES, 'toy')).toThrow();
  });

  it('ignores inherited property names as features', () => {
    const model = checkWordModel(good, CLASSES, 'toy');
    expect(classProbabilities(['constructor', '__proto__', 'toString'], model).map((p) => p.probability)).toEqual([0.5, 0.5]);
  });
});

describe('softmax', () => {
  it('gives probabilities that sum to one, stable for large scores', () => {
    const p = softmax([1_000, 1_001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(p[1]).toBeGreaterThan(p[0]!);
  });
});
