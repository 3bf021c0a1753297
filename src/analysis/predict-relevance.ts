import { wordFeatures } from './word-features.ts';
import { classProbabilities, shippedWordModel, type WordModel } from './word-model.ts';

/**
 * How likely the learned word model (word-model.ts) thinks an item is a privacy story, 0…1. Trained on every
 * item of the labelled development set, with the feed's scope as a feature of its own.
 */
export const RELEVANCE_CLASSES = ['relevant', 'other'] as const;
export type RelevanceModel = WordModel<(typeof RELEVANCE_CLASSES)[number]>;

const shipped = shippedWordModel(new URL('./data/relevance-model.json', import.meta.url), RELEVANCE_CLASSES);

/** The features the relevance model reads: the feed's scope and the item's words. */
export function relevanceFeatures(title: string, text: string, scope: 'privacy' | 'general'): string[] {
  return [`scope:${scope}`, ...wordFeatures(title, text)];
}

/**
 * Words the model must know before its probability counts in full. A headline alone gives it a handful of
 * words, too few to overrule anything: below this, its vote is drawn towards an undecided 0.5 in proportion.
 */
const FULL_VOTE_FEATURES = 40;

/**
 * The model's vote, 0…1, that an item is a privacy story: its probability, drawn towards 0.5 when it knows
 * few of the item's words (a teaser or a bare headline).
 */
export function predictRelevance(
  title: string,
  text: string,
  scope: 'privacy' | 'general',
  model: RelevanceModel = shipped(),
): number {
  const features = relevanceFeatures(title, text, scope);
  const probability = classProbabilities(features, model).find((p) => p.class === 'relevant')?.probability ?? 0;
  const known = features.filter((feature) => Object.hasOwn(model.weights, feature)).length;
  return 0.5 + (probability - 0.5) * Math.min(1, known / FULL_VOTE_FEATURES);
}
