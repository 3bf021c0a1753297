/**
 * Soak: the simulation of test/soak/thirty-days.test.ts at full scale — fifty outlets publishing for thirty
 * simulated days with outages, 1,000 channels with digests and subscriptions, a poll cycle every 30 and a delivery
 * round every 15 simulated minutes, the real parts over a real SQLite store (see test/support/soak-simulation.ts).
 * After each simulated day it forces a garbage collection and records the live heap, the resident memory and the
 * store's size: memory that keeps growing day after day is a leak; a store that grows faster than the volume is one
 * too. Prints a line per day on stderr and one JSON line on stdout at the end.
 *
 * It runs itself again as `--expose-gc … measure …` for the forced collections. The store goes to /dev/shm when
 * there is one (SQLite's fsync per write would only lengthen the run). Loopback only.
 *   node bench/soak.ts [days=30] [channels=1000] [pollMinutes=30] [tickMinutes=15]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSoakSimulation, type SoakProgress } from '../test/support/soak-simulation.ts';

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface Settings {
  days: number;
  channels: number;
  pollMinutes: number;
  tickMinutes: number;
}

interface DaySample {
  liveHeap: number;
  rss: number;
  store: number;
}

function fileBytes(file: string): number {
  return [file, `${file}-wal`].filter(existsSync).reduce((sum, name) => sum + statSync(name).size, 0);
}

/** Least-squares slope of `values` over their index: growth per day. */
function slope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, v) => sum + v, 0) / n;
  const numerator = values.reduce((sum, v, x) => sum + (x - meanX) * (v - meanY), 0);
  const denominator = values.reduce((sum, _, x) => sum + (x - meanX) ** 2, 0);
  return numerator / denominator;
}

async function measure(settings: Settings): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measure needs node --expose-gc');
  const dir = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-soak-'));
  const storeFile = path.join(dir, 'soak.sqlite');
  const samples: DaySample[] = [];
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  sampler.unref();
  gc();
  const before = { liveHeap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  try {
    const run = await runSoakSimulation({
      dir,
      ...settings,
      record: 'counts',
      onDay: (day: number, progress: SoakProgress) => {
        gc();
        const memory = process.memoryUsage();
        samples.push({ liveHeap: memory.heapUsed, rss: memory.rss, store: fileBytes(storeFile) });
        peakRss = Math.max(peakRss, memory.rss);
        process.stderr.write(
          `day ${String(day + 1).padStart(2)}: live heap ${mb(memory.heapUsed)} MB, RSS ${mb(memory.rss)} MB, store ${mb(fileBytes(storeFile))} MB; ` +
            `${progress.articlesIngested} articles, ${progress.incidentsStarted} incidents, ${progress.alertsSent} alerts, ${progress.digestsSent} digests\n`,
        );
      },
    });
    const pendingAtEnd = (await run.store.outbox.pending()).length;
    await run.close();
    clearInterval(sampler);
    const heapByDay = samples.map((s) => mb(s.liveHeap));
    const rssByDay = samples.map((s) => mb(s.rss));
    // Day 1 includes the first poll's history and the modules loaded on first use: growth is counted from day 2.
    const settled = samples.slice(1);
    console.log(
      JSON.stringify({
        ...settings,
        feeds: run.world.feeds.length,
        items: run.world.feeds.reduce((n, feed) => n + feed.items.length, 0),
        incidents: run.progress.incidentsStarted,
        alerts: run.progress.alertsSent,
        digests: run.progress.digestsSent,
        errors: run.errors.length,
        sentAgain: run.progress.sentAgain,
        pendingAtEnd,
        wallSeconds: Math.round(run.wallMs / 1000),
        wallSecondsIn: { polls: Math.round(run.progress.wallMs.polls / 1000), delivery: Math.round(run.progress.wallMs.ticks / 1000) },
        liveHeapMB: { beforeRun: mb(before.liveHeap), day1: heapByDay[0], last: heapByDay.at(-1), max: Math.max(...heapByDay) },
        liveHeapGrowthKBPerDay: Math.round(slope(settled.map((s) => s.liveHeap)) / 1024),
        rssMB: { beforeRun: mb(before.rss), day1: rssByDay[0], last: rssByDay.at(-1), peak: mb(peakRss) },
        rssGrowthKBPerDay: Math.round(slope(settled.map((s) => s.rss)) / 1024),
        storeMB: mb(fileBytes(storeFile)),
        storeMBByDay: samples.map((s) => mb(s.store)),
        heapMBByDay: heapByDay,
        rssMBByDay: rssByDay,
      }),
    );
    // Nothing lost, nothing doubled, nothing went wrong: otherwise the figures above describe a broken run.
    if (run.errors.length > 0 || run.progress.sentAgain > 0 || pendingAtEnd > 0) {
      throw new Error(`soak run not clean: ${run.errors.length} errors, ${run.progress.sentAgain} deliveries sent again, ${pendingAtEnd} left pending`);
    }
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the measurement in a process with the collector exposed; its JSON line goes straight to stdout. */
async function measureWithGc(args: string[]): Promise<void> {
  const child = fork(import.meta.filename, ['measure', ...args], { execArgv: [...process.execArgv, '--expose-gc'], stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exitCode = code ?? 1;
}

function settingsFrom(args: string[]): Settings {
  const [days = 30, channels = 1000, pollMinutes = 30, tickMinutes = 15] = args.map(Number);
  return { days, channels, pollMinutes, tickMinutes };
}

const args = process.argv.slice(2);
if (args[0] === 'measure') await measure(settingsFrom(args.slice(1)));
else await measureWithGc(args);
