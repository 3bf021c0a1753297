/**
 * `npm run bench`: the performance figures reported in the README. Each benchmark runs in a process of its own
 * so that its peak memory is its own. Loopback only.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const here = import.meta.dirname;
const FEEDS = 1000;
const HOSTS = 10;
const CHANNELS = 1000;

function runScript(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

async function startServer(): Promise<{ bases: string[]; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(here, 'not-modified-server.ts'), String(HOSTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { bases: JSON.parse(line) as string[], stop: () => child.stdin.end() };
}

console.log(`privacy-radar benchmarks — Node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? 'cpu'}\n`);

const ingest = await runScript('ingest-throughput.ts', []);
console.log('Ingest: parse + normalise + dedup of a generated 10,000-item corpus (medians of 9 interleaved rounds)');
console.log(`  rss-parser bare parse:   ${ingest.bareParseItemsPerSecond} items/s`);
console.log(`  privacy-radar pipeline:  ${ingest.pipelineItemsPerSecond} items/s`);
console.log(`  cost relative to bare parse: ${ingest.ratio}× (goal ≤ 2×)\n`);

const analysis = await runScript('analysis-throughput.ts', []);
console.log(`Analysis: language, companies, relevance, types and summary of generated ~${analysis.averageBytes}-byte articles, one core`);
console.log(`  ${analysis.articlesPerSecond} articles/s (goal ≥ 300)\n`);

const hostile = await runScript('hostile-inputs.ts', []);
const hostileTargets = hostile.targets as Record<string, { inputs: number; worstMs: number; worstInput: string; worstCpuMs: number }>;
console.log(`Hostile inputs: the slowest single input per target, nasty corpus and a fixed-seed fast-check sample (goal < ${hostile.goalMs} ms each)`);
for (const [target, result] of Object.entries(hostileTargets)) {
  console.log(`  ${target.padEnd(17)} ${String(result.worstMs).padStart(5)} ms (CPU ${result.worstCpuMs} ms)  slowest of ${result.inputs}: ${result.worstInput}`);
}
console.log(`  all within the goal: ${hostile.withinGoal ? 'yes' : 'no'}\n`);

const lookup = await runScript('incident-lookup.ts', []);
console.log(`/incidents look-up in a SQLite store of ${lookup.incidents} incidents (a parent with its subsidiaries, 5 per page)`);
console.log(`  median ${lookup.medianMs} ms, p95 ${lookup.p95Ms} ms (goal: median < 5 ms)\n`);

const fanout = await runScript('discord-fanout.ts', [String(CHANNELS)]);
const rssMB = fanout.rssMB as Record<string, number>;
console.log(`Fan-out: one ten-card digest to each of ${CHANNELS} Discord channels through the bot, against the stand-in enforcing Discord's limits`);
console.log(`  ${fanout.messages} messages in ${fanout.wallSeconds} s: ${fanout.messagesPerSecond} messages/s, ${fanout.percentOfLimit}% of the ${fanout.limitPerSecond}/s limit (goal ≥ 90%)`);
console.log(`  the limit's windows allow it in ${fanout.fastestSeconds} s at best: ${fanout.percentOfFastest}% of that`);
console.log(`  429 answers: ${JSON.stringify(fanout.rateLimited)} (goal: none beyond the first)`);
console.log(`  resident memory: ${rssMB.start} MB at the start, ${rssMB.peak} MB peak, ${rssMB.end} MB at the end; +${rssMB.growthAfterFirstTenth} MB after the first tenth`);
console.log(`  live heap at each tenth of the messages (MB): ${(fanout.liveHeapMBByTenth as number[]).join(', ')}\n`);

const dir = await mkdtemp(path.join(tmpdir(), 'bench-poll-'));
const server = await startServer();
try {
  const storeFile = path.join(dir, 'poll.sqlite');
  await runScript('poll-cycle.ts', ['prime', storeFile, String(FEEDS), JSON.stringify(server.bases)]);
  const cycle = await runScript('poll-cycle.ts', ['measure', storeFile, String(FEEDS), JSON.stringify(server.bases)]);
  console.log(`Poll cycle: ${FEEDS} feeds on ${HOSTS} loopback hosts, all answering 304 (fresh process, primed SQLite store)`);
  console.log(`  outcomes: ${JSON.stringify(cycle.outcomes)}`);
  console.log(`  wall time: ${cycle.wallMs} ms (goal < 5000 ms)`);
  console.log(`  peak memory (max RSS of the process): ${cycle.peakRssMB} MB (goal < 150 MB)\n`);
  const idle = await runScript('idle-footprint.ts', [String(FEEDS), '10000']);
  console.log(`Idle footprint: the app with ${idle.feeds} feeds and ${idle.channels} channels configured, after a poll cycle (all 304) and a delivery planning round`);
  console.log(`  resident memory ${idle.rssMB} MB (peak ${idle.peakRssMB} MB; goal < 300 MB), live heap ${idle.liveHeapMB} MB; poll ${idle.pollMs} ms, planning ${idle.planningMs} ms\n`);
  console.log('(The 30-day soak, about a quarter of an hour: npm run bench:soak. A year of store growth: node bench/store-size.ts.)\n');
  console.log(JSON.stringify({ ingest, analysis, hostile, lookup, fanout, cycle, idle }));
} finally {
  server.stop();
  await rm(dir, { recursive: true, force: true });
}
