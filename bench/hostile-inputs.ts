/**
 * The slowest single input per target: the nasty corpus (test/fixtures/nasty-feeds.ts), a fixed-seed sample of
 * the fast-check arbitraries the property tests use (test/fuzz/arbitraries.ts), and — reported apart — feeds as
 * big as the fetcher's feed limit (FEED_MAX_BYTES, 2 MB) allows. The goal is under a second of work for any one input. Each input runs twice and its
 * faster run counts (the first may include compiling and warming caches). Prints one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { COMMANDS } from '../commands/index.ts';
import { loadGazetteer } from '../src/analysis/company-gazetteer.ts';
import { completeCompanies, lookupCompany } from '../src/analysis/lookup-company.ts';
import { summariseExtractive } from '../src/analysis/summarise-extractive.ts';
import { parseTextCommand } from '../src/chat/parse-text-command.ts';
import { cardFromIncident } from '../src/delivery/incident-card.ts';
import { cleanArticleText } from '../src/ingest/clean-article-text.ts';
import { decodeBody } from '../src/ingest/decode-charset.ts';
import { extractArticle } from '../src/ingest/extract-article.ts';
import { DEFAULT_FETCHER_OPTIONS } from '../src/ingest/http-fetcher.ts';
import { normaliseItems } from '../src/ingest/normalise-items.ts';
import { FeedParseError, parseFeed } from '../src/ingest/parse-feed.ts';
import type { FeedConfig } from '../src/model/feed.ts';
import { cardEmbed } from '../src/platforms/discord/card-embed.ts';
import { cardText } from '../src/platforms/matrix/card-html.ts';
import { NASTY_COMMANDS, NASTY_FEEDS, NASTY_PAGES, NASTY_QUERIES, NASTY_TEXTS, rssDocument, rssItem, type FeedBody } from '../test/fixtures/nasty-feeds.ts';
import { articlePage, chatLine, feedBytes, generatedFeed, hostileIncident, hostileText, mutated, storyText } from '../test/fuzz/arbitraries.ts';

const GOAL_MS = 1000;
const SEED = 20_261_123;
const FETCH_LIMIT_BYTES = DEFAULT_FETCHER_OPTIONS.feedMaxBytes ?? DEFAULT_FETCHER_OPTIONS.maxBytes;

interface Input<T> {
  name: string;
  build(): T;
}

interface TargetResult {
  inputs: number;
  /** Wall-clock time of the slowest input. */
  worstMs: number;
  worstInput: string;
  /** CPU time (user + system, all threads) of the input that needed the most: steadier on a busy machine. */
  worstCpuMs: number;
  worstCpuInput: string;
}

const sample = <T>(name: string, arbitrary: fc.Arbitrary<T>, numRuns: number): Input<T>[] =>
  fc.sample(arbitrary, { seed: SEED, numRuns }).map((value, i) => ({ name: `${name} #${i}`, build: () => value }));

/** Runs every input twice and keeps each one's faster run; the target's figures are its slowest input's. */
async function measure<T>(inputs: readonly Input<T>[], run: (input: T) => unknown): Promise<TargetResult> {
  const result: TargetResult = { inputs: inputs.length, worstMs: 0, worstInput: '', worstCpuMs: 0, worstCpuInput: '' };
  for (const input of inputs) {
    const value = input.build();
    let wall = Infinity;
    let cpu = Infinity;
    for (let round = 0; round < 2; round++) {
      const startedCpu = process.cpuUsage();
      const started = performance.now();
      await run(value);
      wall = Math.min(wall, performance.now() - started);
      const used = process.cpuUsage(startedCpu);
      cpu = Math.min(cpu, (used.user + used.system) / 1000);
    }
    if (wall > result.worstMs) Object.assign(result, { worstMs: Math.round(wall), worstInput: input.name });
    if (cpu > result.worstCpuMs) Object.assign(result, { worstCpuMs: Math.round(cpu), worstCpuInput: input.name });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Feeds: bytes → items

const feed: FeedConfig = { id: 'hostile', name: 'Hostile', url: 'https://nasty.example/feed', language: 'de', scope: 'general', fullText: false, enabled: true };
const now = new Date('2026-11-23T08:00:00Z');

async function ingest(body: FeedBody): Promise<number> {
  const { text } = decodeBody(body.bytes, body.contentType);
  try {
    const parsed = await parseFeed(text);
    return normaliseItems(parsed.items, { feed, feedLink: parsed.link, now }).length;
  } catch (error) {
    if (error instanceof FeedParseError) return 0;
    throw error;
  }
}

/** A feed body of `item(i)` items as large as the fetcher accepts. */
function atFetchLimit(item: (i: number) => string): FeedBody {
  const items: string[] = [];
  let size = 200;
  for (let i = 0; size < FETCH_LIMIT_BYTES - 200; i++) {
    const next = item(i);
    items.push(next);
    size += next.length;
  }
  return { bytes: new TextEncoder().encode(rssDocument(items.join(''))), contentType: 'application/rss+xml; charset=utf-8' };
}

const fixtureDir = path.resolve(import.meta.dirname, '../test/fixtures/feeds');
const fixtureFeeds = readdirSync(fixtureDir)
  .filter((name) => /\.(xml|rdf)$/.test(name))
  .map((name) => readFileSync(path.join(fixtureDir, name), 'utf8'));

const feedInputs: Input<FeedBody>[] = [
  ...NASTY_FEEDS.map((nasty) => ({ name: nasty.name, build: nasty.build })),
  ...sample('fast-check feed', feedBytes(fc.oneof(generatedFeed.map((f) => f.xml), mutated(fc.constantFrom(...fixtureFeeds), 3))), 300),
];

/** The most a feed can hold: as many items as fit in the bytes the fetcher accepts for a feed. */
const fetchLimitInputs: Input<FeedBody>[] = [
  { name: 'tiny distinct items', build: () => atFetchLimit((i) => rssItem({ title: `t${i}` })) },
  {
    name: 'ordinary items',
    build: () => atFetchLimit((i) => rssItem({ title: `Meldung ${i}`, link: `https://nasty.example/${i}`, description: `Text ${i} &amp; mehr`, date: 'Tue, 14 May 2024 10:00:00 +0200' })),
  },
];

// ---------------------------------------------------------------------------------------------
// The other targets

const gazetteer = loadGazetteer();
const syntax = { prefix: '!', names: ['@privacy-radar:stand-in.test', 'privacy-radar'] };
const texts: Input<string>[] = [...NASTY_TEXTS, ...sample('fast-check text', fc.oneof(storyText(20), hostileText(80)), 300)];

const results: Record<string, TargetResult> = {
  feed: await measure(feedInputs, ingest),
  feedAtFetchLimit: await measure(fetchLimitInputs, ingest),
  cleanArticleText: await measure(texts, (text) => cleanArticleText(text, { title: text.slice(0, 200) })),
  extractArticle: await measure([...NASTY_PAGES, ...sample('fast-check page', articlePage, 150)], (html) => extractArticle(html, 'https://nasty.example/artikel')),
  summarise: await measure(texts, (text) => summariseExtractive({ title: text.slice(0, 2_000), text, language: 'de', companies: [text.slice(0, 50), 'Amazon'] })),
  parseTextCommand: await measure([...NASTY_COMMANDS, ...sample('fast-check line', fc.oneof(chatLine, hostileText(30)), 500)], (line) => parseTextCommand(line, COMMANDS, syntax)),
  companyLookup: await measure([...NASTY_QUERIES, ...sample('fast-check query', hostileText(10), 500)], (query) => [lookupCompany(query, gazetteer), completeCompanies(query, 25, gazetteer)]),
  cardRendering: await measure(sample('fast-check incident', hostileIncident(gazetteer.companies.map((c) => c.id)), 300), (incident) => {
    const card = cardFromIncident(incident, gazetteer);
    return [cardEmbed(card, 'de'), cardText(card, 'de')];
  }),
};

console.log(
  JSON.stringify({
    goalMs: GOAL_MS,
    withinGoal: Object.values(results).every((result) => result.worstMs < GOAL_MS),
    targets: results,
  }),
);
