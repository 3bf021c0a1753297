/**
 * Items per second through parse + normalise + dedup (seen-item look-up in a real SQLite store) on a generated
 * 10,000-item corpus, against rss-parser's bare parse of the same corpus. Prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Parser from 'rss-parser';
import { decodeBody } from '../src/ingest/decode-charset.ts';
import { normaliseItems } from '../src/ingest/normalise-items.ts';
import { parseFeed } from '../src/ingest/parse-feed.ts';
import type { FeedConfig } from '../src/model/feed.ts';
import { openStore } from '../src/store/open-store.ts';
import { generateCorpus } from './corpus.ts';

const DOCUMENTS = 100;
const ITEMS = 100;
const ROUNDS = 9;

const corpus = generateCorpus(DOCUMENTS, ITEMS);
const bytes = corpus.map((doc) => new TextEncoder().encode(doc));
const feed: FeedConfig = { id: 'bench', name: 'Bench', url: 'https://news.example/feed', language: 'de', scope: 'general', fullText: false, enabled: true };
const now = new Date('2026-11-23T08:00:00Z');
const dir = await mkdtemp(path.join(tmpdir(), 'bench-ingest-'));
const store = await openStore(`sqlite://${path.join(dir, 'bench.sqlite')}`);

async function bare(): Promise<number> {
  const parser = new Parser();
  let count = 0;
  for (const doc of corpus) count += (await parser.parseString(doc)).items.length;
  return count;
}

async function pipeline(): Promise<number> {
  let count = 0;
  for (const body of bytes) {
    const { text } = decodeBody(body, 'application/rss+xml');
    const parsed = await parseFeed(text);
    const items = normaliseItems(parsed.items, { feed, feedLink: parsed.link, now });
    const seen = await store.seenItems.getMany(feed.id, items.map((i) => i.id));
    count += seen.filter((s) => s === undefined).length;
  }
  return count;
}

/**
 * Bare parse and pipeline alternate round by round, so that whatever else the machine does falls on both
 * alike; each side reports its median round.
 */
async function interleavedMedians(): Promise<{ bareMs: number; pipelineMs: number; items: number }> {
  await bare(); // warm-up of both paths
  await pipeline();
  const bareTimes: number[] = [];
  const pipelineTimes: number[] = [];
  let items = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    await bare();
    bareTimes.push(performance.now() - started);
    started = performance.now();
    items = await pipeline();
    pipelineTimes.push(performance.now() - started);
  }
  const median = (times: number[]) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  return { bareMs: median(bareTimes), pipelineMs: median(pipelineTimes), items };
}

const measured = await interleavedMedians();
await store.close();
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    items: measured.items,
    bareParseItemsPerSecond: Math.round((measured.items / measured.bareMs) * 1000),
    pipelineItemsPerSecond: Math.round((measured.items / measured.pipelineMs) * 1000),
    ratio: Number((measured.pipelineMs / measured.bareMs).toFixed(2)),
  }),
);
