/**
 * One poll cycle over N feeds on loopback. `prime` runs a first cycle (200s: state and ETags stored);
 * `measure` runs in a fresh process on the primed store, where every feed answers 304, and prints the cycle's
 * wall time and the process's peak memory as one JSON line.
 *   node bench/poll-cycle.ts prime|measure <store file> <feed count> '<JSON array of base URLs>'
 */
import { createHttpFetcher, DEFAULT_FETCHER_OPTIONS } from '../src/ingest/http-fetcher.ts';
import { pollFeeds } from '../src/ingest/poll-feeds.ts';
import { silentLogger } from '../src/log.ts';
import type { FeedConfig } from '../src/model/feed.ts';
import { openStore } from '../src/store/open-store.ts';

const [mode, storeFile, countArg, basesArg] = process.argv.slice(2);
const count = Number(countArg);
const bases = JSON.parse(basesArg!) as string[];
const feeds: FeedConfig[] = Array.from({ length: count }, (_, i) => ({
  id: `feed-${i}`,
  name: `Feed ${i}`,
  url: `${bases[i % bases.length]}/feed/${i}.xml`,
  language: 'de',
  scope: 'general',
  fullText: false,
  enabled: true,
}));

const store = await openStore(`sqlite://${storeFile}`);
// The bench's feed servers are on loopback.
const fetcher = createHttpFetcher({ ...DEFAULT_FETCHER_OPTIONS, userAgent: 'privacy-radar-bench', allowPrivateAddresses: true });
const started = performance.now();
const report = await pollFeeds(feeds, {
  store,
  fetcher,
  log: silentLogger,
  settings: { maxCacheSeconds: 0, backoff: { baseSeconds: 300, maxSeconds: 86_400 } },
}, { force: true });
const wallMs = performance.now() - started;
await fetcher.close();
await store.close();
const outcomes: Record<string, number> = {};
for (const f of report.feeds) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
if (mode === 'measure') {
  console.log(JSON.stringify({ feeds: count, hosts: bases.length, outcomes, wallMs: Math.round(wallMs), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  console.log(JSON.stringify({ primed: count, outcomes }));
}
