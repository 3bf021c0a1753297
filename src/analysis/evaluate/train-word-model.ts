import { createHash } from 'node:crypto';
import { classScores, softmax, type WordModel } from '../word-model.ts';

/**
 * Trains a word model (word-model.ts): multinomial logistic regression, full-batch gradient descent with L2
 * regularisation on the feature weights (not on the class biases).
 *
 * Deterministic — the same examples give the same weights on every machine — so a shipped model file can be
 * checked against the labelled set it claims to come from. A few hundred stories train in about a second.
 */

/** A labelled example: its features (word-features.ts) and the class a person gave it. */
export interface WordExample<C extends string> {
  id: string;
  features: readonly string[];
  label: C;
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  /** L2 penalty on feature weights: larger keeps the weights of rare words small. */
  l2?: number;
}

const DEFAULTS: Required<TrainingOptions> = { epochs: 400, learningRate: 0.3, l2: 0.001 };
/** Weights this close to zero change no decision; dropping them keeps the shipped file small. */
const PRUNE_BELOW = 0.02;
const DECIMALS = 3;

function sortById<T extends { id: string }>(examples: readonly T[]): T[] {
  return [...examples].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A fingerprint of what a model learns from (ids, features and labels), stored with the model. */
export function trainingFingerprint(examples: readonly WordExample<string>[]): string {
  const hash = createHash('sha256');
  for (const e of sortById(examples)) hash.update(JSON.stringify([e.id, e.features, e.label]));
  return hash.digest('hex');
}

function round(value: number): number {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
}

export function trainWordModel<C extends string>(
  examples: readonly WordExample<C>[],
  classes: readonly C[],
  options: TrainingOptions = {},
): WordModel<C> {
  const { epochs, learningRate, l2 } = { ...DEFAULTS, ...options };
  const width = classes.length;
  const vocabulary = new Map<string, number>();
  const rows = sortById(examples).map((example) => {
    const label = classes.indexOf(example.label);
    if (label < 0) throw new Error(`example ${example.id}: unknown class ${example.label}`);
    const features = example.features.map((feature) => {
      let index = vocabulary.get(feature);
      if (index === undefined) vocabulary.set(feature, (index = vocabulary.size));
      return index;
    });
    return { features, label };
  });
  const weights = new Float64Array(vocabulary.size * width);
  const gradient = new Float64Array(vocabulary.size * width);
  const bias = new Float64Array(width);
  const biasGradient = new Float64Array(width);
  const n = Math.max(1, rows.length);
  for (let epoch = 0; epoch < epochs; epoch++) {
    gradient.fill(0);
    biasGradient.fill(0);
    for (const row of rows) {
      const scores = Array.from(bias);
      for (const f of row.features) for (let k = 0; k < width; k++) scores[k]! += weights[f * width + k]!;
      const probabilities = softmax(scores);
      for (let k = 0; k < width; k++) {
        const error = probabilities[k]! - (k === row.label ? 1 : 0);
        biasGradient[k]! += error;
        for (const f of row.features) gradient[f * width + k]! += error;
      }
    }
    for (let k = 0; k < width; k++) bias[k]! -= (learningRate * biasGradient[k]!) / n;
    for (let i = 0; i < weights.length; i++) weights[i]! -= learningRate * (gradient[i]! / n + l2 * weights[i]!);
  }
  const stored: Record<string, number[]> = {};
  for (const [feature, index] of vocabulary) {
    const row = Array.from(weights.subarray(index * width, (index + 1) * width), round);
    if (row.some((w) => Math.abs(w) >= PRUNE_BELOW)) stored[feature] = row;
  }
  return { classes, bias: Array.from(bias, round), weights: stored };
}

/** The most likely class of an example. */
export function predictClass<C extends string>(model: WordModel<C>, features: readonly string[]): C {
  const scores = classScores(features, model);
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[best]!) best = k;
  return model.classes[best]!;
}

export interface CrossValidation<C extends string> {
  /** Examples labelled by a model that never saw them. */
  evaluated: number;
  correct: number;
  accuracy: number;
  folds: { fold: string; evaluated: number; correct: number }[];
  /** Per example: what the model trained without its group predicted. */
  predictions: Map<string, C>;
}

/**
 * Leave-one-group-out cross-validation: for each group (a file of the labelled set — one writer's batch), a
 * model trained on all other groups labels that group's examples. The honest estimate of how a model does on
 * stories written by someone it never learned from.
 */
export function crossValidateWordModel<C extends string>(
  groups: ReadonlyMap<string, readonly WordExample<C>[]>,
  classes: readonly C[],
  options: TrainingOptions = {},
): CrossValidation<C> {
  const folds: CrossValidation<C>['folds'] = [];
  const predictions = new Map<string, C>();
  for (const [fold, held] of groups) {
    if (held.length === 0) continue;
    const training = [...groups].filter(([name]) => name !== fold).flatMap(([, examples]) => examples);
    const model = trainWordModel(training, classes, options);
    let correct = 0;
    for (const example of held) {
      const predicted = predictClass(model, example.features);
      predictions.set(example.id, predicted);
      if (predicted === example.label) correct++;
    }
    folds.push({ fold, evaluated: held.length, correct });
  }
  const evaluated = folds.reduce((a, f) => a + f.evaluated, 0);
  const correct = folds.reduce((a, f) => a + f.correct, 0);
  return { evaluated, correct, accuracy: evaluated === 0 ? 0 : correct / evaluated, folds, predictions };
}
