/**
 * A small learned classifier over word features (word-features.ts): softmax regression, one weight per feature
 * and class. Trained offline on the hand-labelled development set (`npm run train-models`,
 * src/analysis/evaluate/train-word-model.ts) and shipped as JSON in `data/`; nothing is downloaded or learned
 * at run time.
 *
 * Why learned weights next to curated cues: cue lists recognise the phrasings someone wrote down. On stories
 * written by people the rules never saw, they named the primary incident type right about 7 times in 10 and
 * missed a fifth of the privacy stories; weights learned from a few hundred labelled stories carry over to new
 * phrasings better (the README's evaluation section has the figures, measured by leaving each writer's batch
 * out of training in turn).
 */

import { readFileSync } from 'node:fs';

/** The weights as stored: per feature one weight per class, in the order of `classes`. */
export interface WordModel<C extends string = string> {
  classes: readonly C[];
  bias: readonly number[];
  weights: Readonly<Record<string, readonly number[]>>;
}

/** One class with the model's probability for it. */
export interface ClassProbability<C extends string> {
  class: C;
  probability: number;
}

/**
 * Checks a model's shape once at load against the classes the code expects: a hand-edited or truncated model
 * file must fail at start-up, not mislabel quietly.
 */
export function checkWordModel<C extends string>(model: unknown, expected: readonly C[], name: string): WordModel<C> {
  const candidate = model as Partial<WordModel<string>>;
  const classes = candidate.classes;
  if (!Array.isArray(classes) || classes.length !== expected.length || classes.some((c, i) => c !== expected[i])) {
    throw new Error(`${name}: the classes do not match ${expected.join(', ')}`);
  }
  const width = expected.length;
  if (!Array.isArray(candidate.bias) || candidate.bias.length !== width) throw new Error(`${name}: bad bias`);
  if (typeof candidate.weights !== 'object' || candidate.weights === null) throw new Error(`${name}: no weights`);
  for (const [feature, row] of Object.entries(candidate.weights)) {
    if (!Array.isArray(row) || row.length !== width || row.some((w) => !Number.isFinite(w))) {
      throw new Error(`${name}: bad weights for ${feature}`);
    }
  }
  return candidate as WordModel<C>;
}

/**
 * A shipped model, read and checked on first use and kept: a process that never analyses an article (a poll
 * cycle where every feed answers "not modified") does not pay for the weights.
 */
export function shippedWordModel<C extends string>(file: URL, classes: readonly C[]): () => WordModel<C> {
  let model: WordModel<C> | undefined;
  return () => (model ??= checkWordModel(JSON.parse(readFileSync(file, 'utf8')) as unknown, classes, file.pathname));
}

/** The model's scores before the softmax, one per class. */
export function classScores(features: readonly string[], model: WordModel): number[] {
  const scores = [...model.bias];
  for (const feature of features) {
    const row = Object.hasOwn(model.weights, feature) ? model.weights[feature] : undefined;
    if (row) for (let k = 0; k < scores.length; k++) scores[k]! += row[k]!;
  }
  return scores;
}

/** Turns scores into probabilities (numerically stable softmax). */
export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((score) => Math.exp(score - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Every class with its probability, most likely first; ties keep the model's class order. */
export function classProbabilities<C extends string>(features: readonly string[], model: WordModel<C>): ClassProbability<C>[] {
  const probabilities = softmax(classScores(features, model));
  return model.classes
    .map((c, k) => ({ class: c, probability: probabilities[k]!, k }))
    .sort((a, b) => b.probability - a.probability || a.k - b.k)
    .map(({ class: c, probability }) => ({ class: c, probability }));
}
