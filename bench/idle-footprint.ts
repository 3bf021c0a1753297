/**
 * Idle footprint: the resident memory of the real app (`createApp` from src/main.ts, SQLite store, no chat
 * platform connected) configured for 1,000 feeds and 10,000 channels, after one poll cycle and one delivery
 * planning round — what a large deployment costs while nothing much happens. Goal: RSS under 300 MB.
 *
 * Three processes, so that each figure is the app's own: the stand-in publishers (bench/not-modified-server.ts,
 * ten loopback hosts answering 304 once a feed was fetched); `prime`, which fetches every feed once and saves the
 * 10,000 channels' settings (a digest at a local time in several zones, a few subscriptions each) with their
 * digests just sent; and `measure`, a fresh process — a restarted bot — that runs the poll cycle (every feed
 * answering 304) and the planning round (every channel's settings read, nothing due), then reports. Prints one
 * JSON line. Loopback only.
 *   node bench/idle-footprint.ts [feeds=1000] [channels=10000]
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig, type Config } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createApp } from '../src/main.ts';
import type { FeedConfig } from '../src/model/feed.ts';
import { seedChannels, simulatedChannels } from '../test/support/soak-simulation.ts';

const here = import.meta.dirname;
const HOSTS = 10;

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function configFor(dir: string): Config {
  return loadConfig({
    STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`,
    FEEDS_DIR: path.join(dir, 'feeds'),
    ALLOW_PRIVATE_FEEDS: 'true',
    // The same name in both processes: the feeds the primer polled are this instance's to poll again at once.
    INSTANCE_ID: 'bench-idle',
    LOG_LEVEL: 'error',
    LOG_FORMAT: 'json',
  });
}

/** A catalogue of `count` outlets spread over the stand-in hosts, one file each, as an operator would keep it. */
async function writeCatalogue(dir: string, count: number, bases: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 1) {
    const feed: FeedConfig = {
      id: `outlet-${i}`,
      name: `Outlet ${i}`,
      url: `${bases[i % bases.length]}/feed/${i}.xml`,
      language: i % 3 === 0 ? 'en' : 'de',
      scope: i % 4 === 0 ? 'privacy' : 'general',
      fullText: false,
      enabled: true,
    };
    await writeFile(path.join(dir, `${feed.id}.json`), `${JSON.stringify(feed, null, 2)}\n`);
  }
}

/** First run: every feed fetched once (its item filed as history), the channels' settings saved. */
async function prime(dir: string, channels: number): Promise<void> {
  const config = configFor(dir);
  const app = await createApp(config, createLogger(config.logLevel, config.logFormat));
  try {
    const report = await app.poll();
    await seedChannels(app.store, simulatedChannels(channels, 11, new Date()));
    const failed = report.feeds.filter((feed) => feed.outcome === 'failed').length;
    if (failed > 0) throw new Error(`${failed} feeds failed while priming`);
  } finally {
    await app.close();
  }
}

async function measure(dir: string, channels: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measure needs node --expose-gc');
  const config = configFor(dir);
  const app = await createApp(config, createLogger(config.logLevel, config.logFormat));
  try {
    const pollStarted = performance.now();
    const report = await app.poll();
    const pollMs = performance.now() - pollStarted;
    const planningStarted = performance.now();
    const round = await app.delivery.tick();
    const planningMs = performance.now() - planningStarted;
    const memory = process.memoryUsage();
    gc();
    const live = process.memoryUsage();
    const outcomes: Record<string, number> = {};
    for (const feed of report.feeds) outcomes[feed.outcome] = (outcomes[feed.outcome] ?? 0) + 1;
    console.log(
      JSON.stringify({
        feeds: app.feeds.length,
        channels,
        channelsWithDigest: (await app.store.channels.digestChannels()).length,
        outcomes,
        pollMs: Math.round(pollMs),
        digestsPlanned: round?.digestsPlanned ?? null,
        planningMs: Math.round(planningMs),
        rssMB: mb(memory.rss),
        heapUsedMB: mb(memory.heapUsed),
        liveHeapMB: mb(live.heapUsed),
        rssAfterGcMB: mb(live.rss),
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    await app.close();
  }
}

async function runChild(args: string[], execArgv: string[], stdout: 'inherit' | 'ignore'): Promise<void> {
  const child = fork(import.meta.filename, args, { execArgv: [...process.execArgv, ...execArgv], stdio: ['ignore', stdout, 'inherit', 'ipc'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`idle-footprint ${args[0]} exited with ${code}`);
}

async function startPublishers(): Promise<{ bases: string[]; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(here, 'not-modified-server.ts'), String(HOSTS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { bases: JSON.parse(line) as string[], stop: () => child.stdin.end() };
}

async function main(feeds: number, channels: number): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-idle-'));
  const publishers = await startPublishers();
  try {
    await writeCatalogue(path.join(dir, 'feeds'), feeds, publishers.bases);
    await runChild(['prime', dir, String(channels)], [], 'ignore');
    await runChild(['measure', dir, String(channels)], ['--expose-gc'], 'inherit');
  } finally {
    publishers.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, first, second] = process.argv.slice(2);
if (mode === 'prime') await prime(first!, Number(second));
else if (mode === 'measure') await measure(first!, Number(second));
else await main(Number(mode ?? 1000), Number(first ?? 10_000));
