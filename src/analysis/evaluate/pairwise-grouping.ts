import { precisionRecall, type PrecisionRecall } from './classification-metrics.ts';

/**
 * Pairwise clustering metrics: every unordered pair of items is a decision "same group or not". A pair is a
 * true positive when both the expected and the predicted grouping put the two items together. Unlike
 * purity, this punishes both merging two incidents and splitting one.
 *
 * `expected[i]` and `predicted[i]` are the group labels of item i; an `undefined` predicted label means the
 * item was put in no group (e.g. judged not relevant) and pairs with nothing.
 */
export function pairwiseGrouping(expected: readonly string[], predicted: readonly (string | undefined)[]): PrecisionRecall {
  if (expected.length !== predicted.length) throw new Error('pairwiseGrouping: expected and predicted differ in length');
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let i = 0; i < expected.length; i++) {
    for (let j = i + 1; j < expected.length; j++) {
      const sameExpected = expected[i] === expected[j];
      const predictedI = predicted[i];
      const samePredicted = predictedI !== undefined && predictedI === predicted[j];
      if (sameExpected && samePredicted) truePositives++;
      else if (samePredicted) falsePositives++;
      else if (sameExpected) falseNegatives++;
    }
  }
  return precisionRecall({ truePositives, falsePositives, falseNegatives });
}
