/**
 * Fan-out: one daily digest (ten cards) to each of 1,000 Discord channels through the production path — the app
 * from `createApp`, the real discord.js client logged in to the Discord stand-in, the outbox and a delivery round —
 * while the stand-in enforces Discord's limits (50 requests per second globally, 5 messages per 5 s per channel).
 * Prints one JSON line: messages per second against the limit, the 429s the stand-in answered, the resident memory
 * over the run (sampled every 250 ms) and the live heap after a forced garbage collection at every tenth of the
 * messages — resident memory alone also shows how lazily V8 collects, the live heap shows what is kept.
 *
 * It runs itself again as `--expose-gc … measure <channels>` for the forced collections, and the stand-in in a
 * process of its own (`… stand-in <channels>`) so that the messages it keeps do not count as the bot's memory.
 * Loopback only.
 *   node bench/discord-fanout.ts [channels]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChannelMessage } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createApp } from '../src/main.ts';
import type { Card } from '../src/model/card.ts';
import { startDiscordServer } from '../test/stand-ins/discord-server.ts';

/** Discord's global limit, which the stand-in enforces and discord.js keeps to. */
const GLOBAL_PER_SECOND = 50;
const DEFAULT_CHANNELS = 1000;
const SAMPLE_MS = 250;
/** Delivery rounds before the run is declared stuck (one round should send everything). */
const MAX_ROUNDS = 5;

/** What the stand-in process reports: messages created so far and the 429s it answered. */
interface StandInProgress {
  messages: number;
  rateLimited: { global: number; route: number };
}

type StandInReport = { type: 'ready'; apiBase: string } | ({ type: 'progress' } & StandInProgress);

/** Channel snowflakes of 18 digits: discord.js only keeps a channel id as the bucket's major parameter at 17–19 digits. */
function channelIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(110_000_000_000_000_000n + BigInt(i)));
}

// -----------------------------------------------------------------------------------------------
// The stand-in process
// -----------------------------------------------------------------------------------------------

/** Serves the stand-in with one guild of `count` text channels; reports progress to the parent until it disconnects. */
async function serveStandIn(count: number): Promise<void> {
  const discord = await startDiscordServer({
    guilds: [{ id: '100000000000000001', name: 'Fan-out', channels: channelIds(count).map((id, i) => ({ id, name: `news-${i}` })) }],
    rateLimits: { globalPerSecond: GLOBAL_PER_SECOND, routeLimit: 5, routeResetMs: 5000 },
  });
  const report = (message: StandInReport): void => {
    process.send?.(message);
  };
  report({ type: 'ready', apiBase: discord.apiBase });
  const timer = setInterval(() => report({ type: 'progress', messages: discord.channelMessages.length, rateLimited: discord.rateLimited }), 50);
  process.once('disconnect', () => {
    clearInterval(timer);
    void discord.close();
  });
}

// -----------------------------------------------------------------------------------------------
// The measuring process
// -----------------------------------------------------------------------------------------------

/** A realistic digest: German framing, ten cards with summaries near the 320-character limit, several sources. */
function digestMessage(): ChannelMessage {
  const cards: Card[] = Array.from({ length: 10 }, (_, i) => ({
    incidentId: `inc-bench-${i}`,
    title: `Beispielfirma ${i}: Kundendaten über eine offene Schnittstelle abrufbar`,
    summary:
      `Bei der Beispielfirma ${i} ließen sich Namen, Adressen und Bestellungen über eine ungeschützte Schnittstelle abfragen. ` +
      'Ein Sicherheitsforscher meldete die Lücke, das Unternehmen hat sie nach eigenen Angaben geschlossen und die Aufsicht informiert.',
    companies: [
      { id: `beispiel-${i}`, name: `Beispielfirma ${i}`, parentName: 'Beispiel Holding' },
      { id: 'musterbank', name: 'Musterbank' },
    ],
    types: i % 2 === 0 ? ['breach', 'enforcement'] : ['tracking'],
    outlet: 'Beispiel-News',
    url: `https://news.example/artikel/${i}`,
    published: new Date(Date.now() - i * 3_600_000).toISOString(),
    language: 'de',
    sourceCount: 3,
    sources: [
      { outlet: 'Beispiel-News', url: `https://news.example/artikel/${i}` },
      { outlet: 'Netz-Nachrichten', url: `https://netz.example/meldung/${i}` },
      { outlet: 'Privacy Weekly', url: `https://privacy.example/post/${i}` },
    ],
  }));
  return {
    title: t('de', 'digest.title', { count: 17 }),
    lines: [t('de', 'digest.since', { date: '3. März' }), t('de', 'digest.more', { count: 7, prefix: '/' })],
    cards,
    language: 'de',
  };
}

/** Starts the stand-in process; its base URL and a live view of its progress. */
async function startStandInProcess(count: number): Promise<{ apiBase: string; progress: () => StandInProgress; child: ChildProcess }> {
  const child = fork(import.meta.filename, ['stand-in', String(count)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let latest: StandInProgress = { messages: 0, rateLimited: { global: 0, route: 0 } };
  const ready = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the stand-in process exited with ${code}`)));
    child.on('message', (message: StandInReport) => {
      if (message.type === 'ready') resolve(message.apiBase);
      else latest = { messages: message.messages, rateLimited: message.rateLimited };
    });
  });
  return { apiBase: await ready, progress: () => latest, child };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface MemorySamples {
  /** Resident memory every SAMPLE_MS, with the messages sent by then. */
  rss: { rss: number; messages: number }[];
  /** Live heap (after a forced collection) at 0, 10, …, 100 % of the messages. */
  liveHeapByTenth: number[];
}

/** Samples memory until `stop`; `gc` is the collector exposed by `--expose-gc`. */
function sampleMemory(progress: () => StandInProgress, count: number, gc: () => void): { stop: () => MemorySamples } {
  const samples: MemorySamples = { rss: [], liveHeapByTenth: [] };
  const liveHeap = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const take = (): void => {
    const messages = progress().messages;
    samples.rss.push({ rss: process.memoryUsage().rss, messages });
    while (samples.liveHeapByTenth.length < 10 && messages >= (samples.liveHeapByTenth.length * count) / 10) samples.liveHeapByTenth.push(liveHeap());
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      samples.liveHeapByTenth.push(liveHeap());
      return samples;
    },
  };
}

/** Waits until the stand-in has reported `count` messages (its reports lag by up to 50 ms). */
async function settledProgress(progress: () => StandInProgress, count: number): Promise<StandInProgress> {
  for (let waited = 0; progress().messages < count && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return progress();
}

async function measure(count: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measure needs node --expose-gc');
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-fanout-'));
  const standIn = await startStandInProcess(count);
  try {
    await mkdir(path.join(dir, 'feeds'));
    const config = loadConfig({
      STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`,
      FEEDS_DIR: path.join(dir, 'feeds'),
      ALLOW_PRIVATE_FEEDS: 'true',
      DISCORD_TOKEN: 'bench-token-0123456789abcdef',
      DISCORD_API_BASE: standIn.apiBase,
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
    });
    const app = await createApp(config, createLogger(config.logLevel, config.logFormat));
    try {
      await app.startPlatforms();
      const message = digestMessage();
      const createdAt = new Date().toISOString();
      await app.store.outbox.enqueue(
        channelIds(count).map((id) => ({ id: `digest.bench-${id}.2025-03-04`, channel: { platform: 'discord', id }, kind: 'digest', message, createdAt })),
      );
      // What login and command registration used up of the current second is left behind before timing starts.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const before = standIn.progress();
      const memory = sampleMemory(() => ({ ...standIn.progress(), messages: standIn.progress().messages - before.messages }), count, gc);
      const started = performance.now();
      let rounds = 0;
      let pending = count;
      while (pending > 0 && rounds < MAX_ROUNDS) {
        await app.delivery.tick();
        rounds += 1;
        pending = (await app.store.outbox.pending()).length;
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const { rss: samples, liveHeapByTenth } = memory.stop();
      const after = await settledProgress(standIn.progress, before.messages + count);
      const messages = after.messages - before.messages;
      const messagesPerSecond = messages / wallSeconds;
      // The limit's one-second windows: the first 50 go at once, then 50 a second.
      const fastestSeconds = Math.max(0, Math.ceil(messages / GLOBAL_PER_SECOND) - 1);
      const tenth = samples.find((sample) => sample.messages >= count / 10) ?? samples[0]!;
      const peak = Math.max(...samples.map((sample) => sample.rss));
      console.log(
        JSON.stringify({
          channels: count,
          messages,
          pending,
          rounds,
          wallSeconds: Math.round(wallSeconds * 100) / 100,
          messagesPerSecond: Math.round(messagesPerSecond * 10) / 10,
          limitPerSecond: GLOBAL_PER_SECOND,
          percentOfLimit: Math.round((messagesPerSecond / GLOBAL_PER_SECOND) * 1000) / 10,
          fastestSeconds,
          percentOfFastest: Math.round((fastestSeconds / wallSeconds) * 1000) / 10,
          rateLimited: {
            global: after.rateLimited.global - before.rateLimited.global,
            route: after.rateLimited.route - before.rateLimited.route,
          },
          rssMB: {
            start: mb(samples[0]!.rss),
            peak: mb(peak),
            end: mb(samples.at(-1)!.rss),
            afterFirstTenth: mb(tenth.rss),
            growthAfterFirstTenth: mb(peak - tenth.rss),
          },
          liveHeapMBByTenth: liveHeapByTenth.map(mb),
        }),
      );
    } finally {
      await app.close();
    }
  } finally {
    standIn.child.disconnect();
    await once(standIn.child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the measurement in a process with the collector exposed; its JSON line goes straight to stdout. */
async function measureWithGc(count: number): Promise<void> {
  const child = fork(import.meta.filename, ['measure', String(count)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exitCode = code ?? 1;
}

const [mode, countArg] = process.argv.slice(2);
if (mode === 'stand-in') await serveStandIn(Number(countArg ?? DEFAULT_CHANNELS));
else if (mode === 'measure') await measure(Number(countArg ?? DEFAULT_CHANNELS));
else await measureWithGc(Number(mode ?? DEFAULT_CHANNELS));
