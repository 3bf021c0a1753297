import { describe, expect, it } from 'vitest';
import { formatReport, runEvaluation } from '../../src/analysis/evaluate/run-evaluation.ts';

/**
 * The analysis quality targets of the labelled development set (test/analysis/labelled/), as `npm run eval`
 * reports them: relevance P ≥ 0.95 and R ≥ 0.90, company F1 ≥ 0.90, primary-type accuracy ≥ 0.85, summaries
 * at or above Lead-3 on ROUGE-L within 320 characters, grouping P ≥ 0.95 and R ≥ 0.80. A change that drops a
 * figure below its target fails here, with the whole report as the message.
 */
describe('analysis quality on the labelled set', () => {
  it('meets every target', async () => {
    const report = await runEvaluation();
    const missed = report.checks.filter((check) => !check.pass).map((check) => `${check.name}: ${check.value.toFixed(3)} (target ${check.target})`);
    expect(missed, formatReport(report, true)).toEqual([]);
    expect(report.items).toBeGreaterThanOrEqual(80);
    // Cross-validation trains two learned models per labelled file: seconds of work, more on a busy machine.
  }, 120_000);
});
