/**
 * `npm run eval`: the analysis measured against the hand-labelled development set (test/analysis/labelled/).
 * Prints every figure with its target and PASS/FAIL; exits 1 when a target is missed.
 * `--held-out` measures the blind held-out set instead (test/analysis/held-out/: report it, never tune on it);
 * `--json` prints the report as one JSON object; `--mistakes` lists the items the analysis got wrong
 * (not offered with --held-out: reading its mistakes would turn it into a development set).
 */
import path from 'node:path';
import { formatReport, runEvaluation } from '../src/analysis/evaluate/run-evaluation.ts';

const args = new Set(process.argv.slice(2));
const heldOut = args.has('--held-out');
try {
  const report = await runEvaluation(heldOut ? { labelledDir: path.resolve(import.meta.dirname, '../test/analysis/held-out') } : {});
  const showMistakes = args.has('--mistakes') && !heldOut;
  console.log(args.has('--json') ? JSON.stringify(heldOut ? { ...report, mistakes: [] } : report, null, 2) : formatReport(report, showMistakes));
  process.exitCode = report.passed ? 0 : 1;
} catch (error) {
  // An invalid labelled set is a to-do list; anything else needs its stack.
  const known = error instanceof Error && /^The labelled set is invalid/.test(error.message);
  console.error(known ? (error as Error).message : error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
}
