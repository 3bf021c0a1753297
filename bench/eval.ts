/**
 * `npm run eval`: the analysis measured against the hand-labelled set (test/analysis/labelled/). Prints every
 * figure with its target and PASS/FAIL; exits 1 when a target is missed or the analysis modules are missing.
 * `--json` prints the report as one JSON object instead; `--mistakes` lists the items the analysis got wrong.
 */
import { formatReport, runEvaluation } from '../src/analysis/evaluate/run-evaluation.ts';

const args = new Set(process.argv.slice(2));
try {
  const report = await runEvaluation();
  console.log(args.has('--json') ? JSON.stringify(report, null, 2) : formatReport(report, args.has('--mistakes')));
  process.exitCode = report.passed ? 0 : 1;
} catch (error) {
  // Our own errors (missing modules, an invalid labelled set) are to-do lists; anything else needs its stack.
  const known = error instanceof Error && /^The (evaluation cannot run|labelled set is invalid)/.test(error.message);
  console.error(known ? (error as Error).message : error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
}
