/**
 * Counting metrics for the evaluation: precision, recall and F1 from true/false positives and negatives,
 * plus set comparison for multi-label answers (companies, incident types).
 */

/** Raw counts, kept so that micro-averages can be summed over items before dividing. */
export interface Counts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface PrecisionRecall extends Counts {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Precision, recall and F1 from counts. An empty denominator scores 1: claiming nothing is not a wrong claim
 * (precision), and there was nothing to find (recall). The other figure still exposes a system that says nothing.
 */
export function precisionRecall(counts: Counts): PrecisionRecall {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = counts;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...counts, precision, recall, f1 };
}

/** Sums counts: micro-averaging adds every item's counts before computing the ratios. */
export function addCounts(a: Counts, b: Counts): Counts {
  return {
    truePositives: a.truePositives + b.truePositives,
    falsePositives: a.falsePositives + b.falsePositives,
    falseNegatives: a.falseNegatives + b.falseNegatives,
  };
}

export const NO_COUNTS: Counts = { truePositives: 0, falsePositives: 0, falseNegatives: 0 };

/**
 * Compares a predicted set with an expected one. `excused` predicted labels are neither true nor false
 * positives (used for a parent company predicted alongside its expected subsidiary).
 */
export function compareSets(
  predicted: Iterable<string>,
  expected: Iterable<string>,
  excused: (label: string) => boolean = () => false,
): Counts {
  const predictedSet = new Set(predicted);
  const expectedSet = new Set(expected);
  let truePositives = 0;
  let falsePositives = 0;
  for (const label of predictedSet) {
    if (expectedSet.has(label)) truePositives++;
    else if (!excused(label)) falsePositives++;
  }
  return { truePositives, falsePositives, falseNegatives: expectedSet.size - truePositives };
}

/** Binary outcomes (prediction, truth) as counts with "true" as the positive class. */
export function binaryCounts(outcomes: Iterable<{ predicted: boolean; expected: boolean }>): Counts {
  let counts = NO_COUNTS;
  for (const { predicted, expected } of outcomes) {
    counts = addCounts(counts, {
      truePositives: predicted && expected ? 1 : 0,
      falsePositives: predicted && !expected ? 1 : 0,
      falseNegatives: !predicted && expected ? 1 : 0,
    });
  }
  return counts;
}
