/**
 * The soak simulation: weeks of a running bot, compressed. The real parts are wired in-process the way
 * src/main.ts wires them — pollFeeds with feed claims and the store lock, the analysis and incident filing
 * with alerts planned under the planning lock, the delivery service with channel claims, the daily maintenance —
 * over a real SQLite store, with a fake clock that the simulation moves on. The outside world is simulated and
 * seeded, so that every run is the same:
 *
 * - a loopback feed server with outlets in German and English (busy news sites, privacy outlets, a topic feed
 *   repeating its site's privacy stories, small blogs), publishing at working hours, some of them teasers whose
 *   article page is served too; privacy events are reported by one to three outlets in their own words;
 * - outlets that fail for hours (503 with or without Retry-After, 500, connections reset) and recover;
 * - channels and rooms with a digest at their local time in various zones and subscriptions to a few companies;
 * - a recording sender at the platform edge (channel, delivery id, message).
 *
 * The run records what the world did (what was published, what incidents started, what was sent) so that a test
 * can check it against the store, and calls `onDay` after each simulated day (the bench samples memory there).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { loadGazetteer, type Gazetteer } from '../../src/analysis/company-gazetteer.ts';
import type { ChannelMessage } from '../../src/chat/command.ts';
import { createHttpFetcher, DEFAULT_FETCHER_OPTIONS } from '../../src/ingest/http-fetcher.ts';
import { pollFeeds, type FeedOutcome } from '../../src/ingest/poll-feeds.ts';
import { createLogger } from '../../src/log.ts';
import { runMaintenance } from '../../src/maintenance/run-maintenance.ts';
import { createCore } from '../../src/main.ts';
import type { IncidentType } from '../../src/model/analysis.ts';
import { channelKey, serverKey, type ChannelRef, type ChannelSettings, type DigestSetting } from '../../src/model/channel.ts';
import type { FeedConfig, Language } from '../../src/model/feed.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { atomFeed, htmlPage, rssFeed, serve, startFeedServer, type FeedServer, type RouteHandler } from '../stand-ins/feed-server.ts';
import { FACT_CHOICES, GENERIC_ACTORS, generalStory, privacyStory, STORY_TYPES, type StoryFacts } from './soak-stories.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Minutes after each poll slot that the cycle runs: a real bot's poll and delivery round never share a millisecond, the fake clock would make them. */
const POLL_OFFSET_MINUTES = 7;

export interface SoakOptions {
  /** Folder for the SQLite file (created if missing). */
  dir: string;
  /** Simulated days of publishing (default 30); polling and delivery go on for `drainHours` after. */
  days?: number;
  /** Channels and rooms (default 1000). */
  channels?: number;
  /** Minutes between poll cycles (default 30). */
  pollMinutes?: number;
  /** Minutes between delivery rounds (default 15). */
  tickMinutes?: number;
  /**
   * Share of the everyday (not privacy) news the outlets publish, 0…1 (default 1: a busy site's five to nine a
   * weekday). Privacy events are reported in full either way; fewer everyday items make a shorter run.
   */
  everydayShare?: number;
  /** Seed of the world (default 1). */
  seed?: number;
  /** First simulated instant (default 2026-10-12T00:00Z: the run crosses both autumn clock changes). */
  start?: Date;
  /** Hours of polling and delivery after the last publication (default 3). */
  drainHours?: number;
  /** `full` keeps every delivery with its message (tests); `counts` keeps counters only, so memory stays the app's (bench). */
  record?: 'full' | 'counts';
  /** Called after each simulated day (0-based), with the clock at the day's end. */
  onDay?: (day: number, progress: SoakProgress) => void | Promise<void>;
}

/** Running totals, for progress lines. */
export interface SoakProgress {
  polls: number;
  ticks: number;
  articlesIngested: number;
  incidentsStarted: number;
  alertsSent: number;
  digestsSent: number;
  /** Deliveries handed to the platform although their outbox entry was marked sent already: must stay 0. */
  sentAgain: number;
  pollOutcomes: Record<FeedOutcome, number>;
  /** Wall-clock milliseconds spent in poll cycles, delivery rounds and maintenance. */
  wallMs: { polls: number; ticks: number; maintenance: number };
}

/** One item an outlet published. */
export interface PublishedItem {
  feedId: string;
  guid: string;
  /** The link as published (tracking parameters included where the outlet adds them). */
  link: string;
  /** The link without tracking parameters: what the article is stored under. */
  canonicalUrl: string;
  title: string;
  text: string;
  language: Language;
  published: number;
  /** The privacy event it reports, if any. */
  event?: number;
}

/** When an outlet does not answer, and how it fails. */
export interface Outage {
  from: number;
  to: number;
  kind: 'unavailable' | 'unavailable-retry-after' | 'server-error' | 'reset';
}

/** An outlet of the simulated world. */
export interface SimFeed {
  config: FeedConfig;
  profile: 'busy' | 'topic' | 'privacy' | 'daily' | 'weekly';
  /** A topic feed: the outlet whose privacy stories it repeats, under the same links. */
  topicOf?: string;
  format: 'rss' | 'rss-latin1' | 'atom';
  /** Items the feed document carries (the newest). */
  window: number;
  /** Sent as Cache-Control max-age, seconds. */
  maxAgeSeconds?: number;
  /** Published items, oldest first. */
  items: PublishedItem[];
  outages: Outage[];
}

/** A privacy event and the companies it is about (empty: an actor the gazetteer does not know). */
export interface PrivacyEvent {
  id: number;
  at: number;
  companies: string[];
  type: IncidentType;
}

/** What the recording sender saw. */
export interface DeliveryRecord {
  deliveryId: string;
  channel: string;
  kind: 'alert' | 'digest';
  at: number;
  message: ChannelMessage;
}

/** An incident as it was when its first (announced) article started it. */
export interface StartedIncident {
  id: string;
  companies: string[];
  recordedAt: string;
  startedAt: number;
}

export interface SoakWorld {
  start: number;
  /** The last instant anything is published. */
  end: number;
  feeds: SimFeed[];
  events: PrivacyEvent[];
  channels: ChannelSettings[];
}

export interface SoakResult {
  world: SoakWorld;
  /** Still open: the caller checks it, then calls `close`. */
  store: Store;
  storeFile: string;
  gazetteer: Gazetteer;
  /** Every delivery the sender got, in order (empty with `record: 'counts'`). */
  deliveries: DeliveryRecord[];
  /** Delivered outbox entries the daily maintenance pruned (older than OUTBOX_KEEP_DAYS). */
  deliveriesPruned: number;
  /** By incident id. */
  startedIncidents: Map<string, StartedIncident>;
  firstPollAt: number;
  lastTickAt: number;
  progress: SoakProgress;
  /** Error-level log lines: none are expected. */
  errors: string[];
  /** Wall-clock milliseconds the run took. */
  wallMs: number;
  /** Closes the store (checkpointing SQLite's write-ahead log into the file). */
  close(): Promise<void>;
}

/** Companies the simulated privacy events are about: known to the gazetteer, several of them subsidiaries. */
const EVENT_COMPANIES = [
  'amazon', 'twitch', 'aws', 'google', 'youtube', 'fitbit', 'whatsapp', 'instagram', 'microsoft', 'linkedin', 'github',
  'tiktok', 'telegram', 'xiaomi', 'deutsche-telekom', 't-mobile-us', 'congstar', 'vodafone', 'o2', 'gmx', 'web-de',
  'zalando', 'lidl', 'paypal', 'klarna', 'n26', 'schufa', 'aok', 'doctolib', '23andme', 'cariad', 'tesla', 'bmw',
  'lufthansa', 'booking-com', 'uber', 'lieferando', 'deutsche-bahn', 'dhl', 'check24', 'payback', 'clearview-ai',
  'kochava', 'grindr', 'tinder', 'mcfit', 'temu', 'shein',
];

/** What channels subscribe to: event companies and their parents (a Ring story reaches an Amazon subscriber). */
const SUBSCRIBABLE = [...EVENT_COMPANIES, 'meta', 'alphabet', 'bytedance', 'united-internet', 'telefonica', 'match-group', 'rsg-group', 'deutsche-post', 'volkswagen', 'pdd'];

const DIGEST_TIMES = ['06:45', '07:00', '07:30', '08:00', '08:15', '09:00', '12:00', '12:05', '17:45', '18:00', '20:00', '22:30'];
const DIGEST_ZONES = ['Europe/Berlin', 'Europe/Berlin', 'Europe/Vienna', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];

/** Seeded PRNG (mulberry32): the same seed gives the same world. */
function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)]!,
    chance: (p) => next() < p,
  };
}

interface Random {
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

// ---------------------------------------------------------------------------------------------
// The world: outlets, what they publish, when they fail; channels
// ---------------------------------------------------------------------------------------------

interface OutletSpec {
  id: string;
  name: string;
  language: Language;
  profile: SimFeed['profile'];
  scope: FeedConfig['scope'];
  /** Repeats the privacy stories of this outlet (a topic feed). */
  topicOf?: string;
}

/** Fifty outlets: five busy news sites (two with a privacy topic feed), eight privacy outlets, fifteen daily, twenty weekly. */
function outletSpecs(): OutletSpec[] {
  const specs: OutletSpec[] = [
    { id: 'tagesticker', name: 'Tagesticker', language: 'de', profile: 'busy', scope: 'general' },
    { id: 'netzwelt-heute', name: 'Netzwelt heute', language: 'de', profile: 'busy', scope: 'general' },
    { id: 'rechnerpost', name: 'Rechnerpost', language: 'de', profile: 'busy', scope: 'general' },
    { id: 'tech-ledger', name: 'Tech Ledger', language: 'en', profile: 'busy', scope: 'general' },
    { id: 'byte-gazette', name: 'Byte Gazette', language: 'en', profile: 'busy', scope: 'general' },
    { id: 'tagesticker-datenschutz', name: 'Tagesticker: Datenschutz', language: 'de', profile: 'topic', scope: 'privacy', topicOf: 'tagesticker' },
    { id: 'tech-ledger-privacy', name: 'Tech Ledger: Privacy', language: 'en', profile: 'topic', scope: 'privacy', topicOf: 'tech-ledger' },
  ];
  const privacy: [string, Language][] = [
    ['netzwacht', 'de'], ['datenblatt', 'de'], ['grundrechte-digital', 'de'], ['schutzwall', 'de'], ['akte-daten', 'de'],
    ['privacy-watch', 'en'], ['the-data-desk', 'en'], ['surveillance-report', 'en'],
  ];
  for (const [id, language] of privacy) specs.push({ id, name: titleCase(id), language, profile: 'privacy', scope: 'privacy' });
  for (let i = 0; i < 15; i += 1) {
    const language: Language = i % 3 === 2 ? 'en' : 'de';
    specs.push({ id: `${language === 'de' ? 'nachrichten' : 'daily-news'}-${i + 1}`, name: `${language === 'de' ? 'Nachrichten' : 'Daily News'} ${i + 1}`, language, profile: 'daily', scope: 'general' });
  }
  for (let i = 0; i < 20; i += 1) {
    const language: Language = i % 2 === 0 ? 'de' : 'en';
    const scope = i % 4 < 2 ? 'privacy' : 'general';
    specs.push({ id: `blog-${i + 1}`, name: `${language === 'de' ? 'Blog' : 'Weblog'} ${i + 1}`, language, profile: 'weekly', scope });
  }
  return specs;
}

function titleCase(slug: string): string {
  return slug.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

/** Items a feed document carries, by profile: enough that an item stays in its feed for days, longer than any outage. */
const WINDOW: Record<SimFeed['profile'], number> = { busy: 40, topic: 20, privacy: 25, daily: 25, weekly: 20 };
/** Everyday items per weekday, by profile (weekends: a third). */
const EVERYDAY_PER_DAY: Record<SimFeed['profile'], [number, number]> = { busy: [5, 9], topic: [0, 0], privacy: [0, 1], daily: [1, 2], weekly: [0, 0] };
/** Catalogue poll interval, by profile (minutes; none: every cycle). */
const INTERVAL: Partial<Record<SimFeed['profile'], number>> = { daily: 60, weekly: 120 };
/** Days of history published before the run starts (a first poll files it, without announcing it). */
const HISTORY_DAYS = 10;
/** The longest outage: an item stays in its feed for longer than this plus the back-off after it. */
const MAX_OUTAGE_HOURS = 18;

/** Builds the world: outlets with their items and outages, the privacy events, the channels. */
function buildWorld(origin: string, options: { seed: number; start: number; days: number; channels: number; everydayShare: number }, gazetteer: Gazetteer): SoakWorld {
  const random = createRandom(options.seed);
  const { start } = options;
  const end = start + options.days * DAY_MS;
  const feeds = outletSpecs().map((spec, index) => feedOf(spec, index, origin, random));
  const events = privacyEvents(random, start - HISTORY_DAYS * DAY_MS, end, gazetteer);
  const counter = { n: 0 };
  for (const event of events) reportEvent(event, feeds, random, counter, gazetteer);
  for (const feed of feeds) addEverydayNews(feed, random, start - HISTORY_DAYS * DAY_MS, end, counter, options.everydayShare);
  for (const feed of feeds) {
    feed.items = feed.items.filter((item) => item.published <= end).sort((a, b) => a.published - b.published || a.guid.localeCompare(b.guid));
    // History the feed no longer carried at the first poll was never visible to the bot: it does not exist here.
    const history = feed.items.filter((item) => item.published <= start + POLL_OFFSET_MINUTES * MINUTE_MS);
    const dropped = new Set(history.slice(0, Math.max(0, history.length - feed.window)));
    feed.items = feed.items.filter((item) => !dropped.has(item));
    feed.outages = outagesOf(random, start, end);
  }
  return { start, end, feeds, events, channels: channelsOf(random, options.channels, start) };
}

function feedOf(spec: OutletSpec, index: number, origin: string, random: Random): SimFeed {
  const fullText = spec.profile === 'privacy' && index % 3 === 0;
  const format: SimFeed['format'] = index % 7 === 3 ? 'atom' : spec.language === 'de' && index % 5 === 1 ? 'rss-latin1' : 'rss';
  const interval = INTERVAL[spec.profile];
  const config: FeedConfig = {
    id: spec.id,
    name: spec.name,
    url: `${origin}/feeds/${spec.id}.xml`,
    language: spec.language,
    scope: spec.scope,
    fullText,
    enabled: true,
    ...(interval !== undefined ? { intervalMinutes: interval } : {}),
  };
  return {
    config,
    profile: spec.profile,
    ...(spec.topicOf !== undefined ? { topicOf: spec.topicOf } : {}),
    format,
    window: WINDOW[spec.profile],
    ...(random.chance(0.3) ? { maxAgeSeconds: random.pick([300, 900, 1800]) } : {}),
    items: [],
    outages: [],
  };
}

/** About five privacy events a day, at working hours (UTC 06–19); four in five about a company the gazetteer knows. */
function privacyEvents(random: Random, from: number, to: number, gazetteer: Gazetteer): PrivacyEvent[] {
  const companies = EVENT_COMPANIES.filter((id) => gazetteer.get(id) !== undefined);
  const events: PrivacyEvent[] = [];
  for (let day = from; day < to; day += DAY_MS) {
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const count = weekend ? random.int(1, 3) : random.int(3, 7);
    for (let i = 0; i < count; i += 1) {
      const at = day + random.int(6 * 60, 19 * 60) * MINUTE_MS;
      events.push({ id: events.length, at, companies: random.chance(0.8) ? [random.pick(companies)] : [], type: random.pick(STORY_TYPES) });
    }
  }
  return events;
}

/** Who reports an event: one outlet, often a second, sometimes a third; each in its language and wording, hours apart. */
function reportEvent(event: PrivacyEvent, feeds: SimFeed[], random: Random, counter: { n: number }, gazetteer: Gazetteer): void {
  const facts: StoryFacts = {
    company: event.companies.length > 0 ? nameOf(event.companies[0]!, gazetteer) : random.pick(GENERIC_ACTORS),
    type: event.type as StoryFacts['type'],
    affected: random.int(2, 900) * 1000 + random.int(0, 9) * 100,
    millions: random.int(1, 90) / (random.chance(0.5) ? 1 : 10),
    dataKind: random.int(0, FACT_CHOICES.dataKinds - 1),
    authority: random.int(0, FACT_CHOICES.authorities - 1),
  };
  const reporters = new Set<SimFeed>();
  const candidates = feeds.filter((feed) => feed.profile !== 'topic');
  const first = (): SimFeed => {
    const roll = random.next();
    const profile = roll < 0.4 ? 'privacy' : roll < 0.75 ? 'busy' : roll < 0.9 ? 'daily' : 'weekly';
    return random.pick(candidates.filter((feed) => feed.profile === profile));
  };
  reporters.add(first());
  if (random.chance(0.4)) reporters.add(random.pick(candidates));
  if (random.chance(0.15)) reporters.add(random.pick(candidates));
  for (const feed of reporters) {
    // Blogs write about it days later, news sites within hours.
    const delay = feed.profile === 'weekly' ? random.int(6, 72) * HOUR_MS : random.int(0, 300) * MINUTE_MS;
    const story = privacyStory(facts, feed.config.language, random.int(0, 3));
    const item = publish(feed, story, event.at + delay, counter, event.id);
    const topic = feeds.find((candidate) => candidate.topicOf === feed.config.id);
    if (topic) topic.items.push({ ...item, feedId: topic.config.id });
  }
}

function nameOf(companyId: string, gazetteer: Gazetteer): { de: string; en: string } {
  const name = gazetteer.get(companyId)!.name;
  return { de: name, en: name };
}

/** Everyday news at working hours (UTC 05–21), fewer at weekends; blogs post two to four times a week. */
function addEverydayNews(feed: SimFeed, random: Random, from: number, to: number, counter: { n: number }, share: number): void {
  const [min, max] = EVERYDAY_PER_DAY[feed.profile];
  for (let day = from; day < to; day += DAY_MS) {
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    let count = weekend ? Math.round(random.int(min, max) / 3) : random.int(min, max);
    if (feed.profile === 'weekly') count = random.chance(3 / 7) ? 1 : 0;
    for (let i = 0; i < count; i += 1) {
      const at = day + random.int(5 * 60, 21 * 60) * MINUTE_MS;
      if (random.chance(share)) publish(feed, generalStory(feed.config.language, counter.n), at, counter);
    }
  }
}

/** An item in `feed`, with a link of the outlet's own (its article page on the loopback server for teaser feeds). */
function publish(feed: SimFeed, story: { title: string; text: string }, at: number, counter: { n: number }, event?: number): PublishedItem {
  counter.n += 1;
  const n = counter.n;
  const { id, url } = feed.config;
  const origin = new URL(url).origin;
  const month = new Date(at).toISOString().slice(0, 7).replace('-', '/');
  const canonicalUrl = feed.config.fullText ? `${origin}/pages/${id}/${n}.html` : `https://${id}.example/${month}/meldung-${n}.html`;
  // Some outlets tag their feed links for their statistics; the bot stores the article under the clean link.
  const link = feed.profile === 'busy' || feed.profile === 'daily' ? `${canonicalUrl}?utm_source=rss&utm_medium=feed` : canonicalUrl;
  const item: PublishedItem = { feedId: id, guid: `${id}-${n}`, link, canonicalUrl, title: story.title, text: story.text, language: feed.config.language, published: at, ...(event !== undefined ? { event } : {}) };
  feed.items.push(item);
  return item;
}

/**
 * Outages: about a third of the outlets fail once to three times, for one to eighteen hours each, at least two days
 * apart, never in the first day (so every outlet's first poll files its history) nor in the last two (so the run
 * ends with every outlet reachable).
 */
function outagesOf(random: Random, start: number, end: number): Outage[] {
  if (!random.chance(0.35)) return [];
  const outages: Outage[] = [];
  const count = random.int(1, 3);
  let earliest = start + DAY_MS;
  for (let i = 0; i < count; i += 1) {
    const latest = end - 2 * DAY_MS - MAX_OUTAGE_HOURS * HOUR_MS;
    if (earliest >= latest) break;
    const from = earliest + random.int(0, Math.floor((latest - earliest) / (count - i) / MINUTE_MS)) * MINUTE_MS;
    const to = from + random.int(60, MAX_OUTAGE_HOURS * 60) * MINUTE_MS;
    outages.push({ from, to, kind: random.pick(['unavailable', 'unavailable-retry-after', 'server-error', 'reset'] as const) });
    earliest = to + 2 * DAY_MS;
  }
  return outages;
}

/** The simulation's channels on their own (see channelsOf), for benchmarks that need many configured channels. */
export function simulatedChannels(count: number, seed: number, lastDigestAt: Date): ChannelSettings[] {
  return channelsOf(createRandom(seed), count, lastDigestAt.getTime());
}

/**
 * Channels: seven in ten on Discord (a few per server), the rest Matrix rooms; nine in ten with a daily digest
 * at a local time in one of several zones; most follow one to four companies; some chose a language.
 * Every channel had its previous digest at the start.
 */
function channelsOf(random: Random, count: number, start: number): ChannelSettings[] {
  const channels: ChannelSettings[] = [];
  let guild = 0;
  let leftInGuild = 0;
  for (let i = 0; i < count; i += 1) {
    const discord = random.chance(0.7);
    if (discord && leftInGuild === 0) {
      guild += 1;
      leftInGuild = random.int(1, 5);
    }
    const ref: ChannelSettings = discord
      ? { platform: 'discord', id: String(300_000_000_000_000_000n + BigInt(i)), guildId: String(200_000_000_000_000_000n + BigInt(guild)), subscriptions: [], active: true, updatedAt: new Date(start).toISOString() }
      : { platform: 'matrix', id: `!room${i}:example.org`, subscriptions: [], active: true, updatedAt: new Date(start).toISOString() };
    if (discord) leftInGuild -= 1;
    const follows = random.chance(0.8) ? random.int(1, 4) : 0;
    ref.subscriptions = [...new Set(Array.from({ length: follows }, () => random.pick(SUBSCRIBABLE)))];
    if (random.chance(0.9)) {
      const digest: DigestSetting = { time: random.pick(DIGEST_TIMES), timezone: random.pick(DIGEST_ZONES) };
      ref.digest = digest;
      ref.lastDigestAt = new Date(start).toISOString();
    }
    const language = random.next();
    if (language < 0.35) ref.language = 'de';
    else if (language < 0.6) ref.language = 'en';
    else ref.serverLanguage = random.chance(0.5) ? 'de' : 'en';
    channels.push(ref);
  }
  return channels;
}

// ---------------------------------------------------------------------------------------------
// Channel settings in bulk
// ---------------------------------------------------------------------------------------------

/**
 * Writes channel settings and the channel repository's indexes (subscribers per company, digest channels,
 * channels per server, servers) in a few batched writes. Saving thousands of channels one `channels.update` at
 * a time rewrites the growing index documents each time — quadratic, minutes for 10,000 — which is beside the
 * point of the simulation and the benchmarks. The layout is the repository's (src/store/channel-repo.ts); the
 * repository's own reads check the result, so a change of layout fails here rather than going unnoticed.
 */
export async function seedChannels(store: Store, channels: readonly ChannelSettings[]): Promise<void> {
  const refOf = (channel: ChannelRef): ChannelRef => ({ platform: channel.platform, id: channel.id });
  const subscribers = new Map<string, ChannelRef[]>();
  const servers = new Map<string, ChannelRef[]>();
  for (const channel of channels) {
    for (const company of channel.subscriptions) subscribers.set(company, [...(subscribers.get(company) ?? []), refOf(channel)]);
    const server = serverKey(channel);
    if (server !== undefined) servers.set(server, [...(servers.get(server) ?? []), refOf(channel)]);
  }
  await inBatches(store.collection<ChannelSettings>('channels'), channels.map((channel) => [channelKey(channel), channel]));
  await inBatches(store.collection<{ channels: ChannelRef[] }>('subscribers'), [...subscribers].map(([company, refs]) => [company, { channels: refs }]));
  await inBatches(store.collection<{ channels: ChannelRef[] }>('server-channels'), [...servers].map(([server, refs]) => [server, { channels: refs }]));
  await store.collection<{ channels: ChannelRef[] }>('digest-channels').set('all', { channels: channels.filter((channel) => channel.digest).map(refOf) });
  await store.collection<{ servers: string[] }>('servers').set('all', { servers: [...servers.keys()] });
  await checkSeeded(store, channels, subscribers);
}

async function inBatches<T>(collection: { setMany(entries: [string, T][]): Promise<void> }, entries: [string, T][]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) await collection.setMany(entries.slice(i, i + 500));
}

async function checkSeeded(store: Store, channels: readonly ChannelSettings[], subscribers: Map<string, ChannelRef[]>): Promise<void> {
  const digests = await store.channels.digestChannels();
  const withDigest = channels.filter((channel) => channel.digest).length;
  if (digests.length !== withDigest) throw new Error(`seedChannels: ${digests.length} digest channels read back, ${withDigest} written`);
  const sample = channels[Math.floor(channels.length / 2)];
  if (sample && (await store.channels.get(sample))?.id !== sample.id) throw new Error('seedChannels: a channel\'s settings did not read back');
  const [company, refs] = [...subscribers][0] ?? [];
  if (company !== undefined && (await store.channels.subscribersOf([company])).length !== refs!.length) throw new Error('seedChannels: the subscriber index did not read back');
}

// ---------------------------------------------------------------------------------------------
// The feed server
// ---------------------------------------------------------------------------------------------

/** Routes every outlet's feed (answering at the simulated time) and the article pages of teaser feeds. */
function routeFeeds(server: FeedServer, world: SoakWorld, clock: () => number): void {
  for (const feed of world.feeds) {
    let cached: { version: number; handler: RouteHandler } | undefined;
    server.route(new URL(feed.config.url).pathname, (req, res) => {
      const now = clock();
      const outage = feed.outages.find((o) => o.from <= now && now < o.to);
      if (outage) return fail(outage, res);
      const visible = countPublished(feed.items, now);
      if (cached?.version !== visible) cached = { version: visible, handler: feedHandler(feed, visible) };
      return cached.handler(req, res);
    });
    if (feed.config.fullText) {
      for (const item of feed.items) {
        server.route(new URL(item.canonicalUrl).pathname, serve(htmlPage({ title: item.title, paragraphs: [item.text], lang: item.language }), { contentType: 'text/html; charset=utf-8' }));
      }
    }
  }
}

/** How many of the (sorted) items are published by `now`. */
function countPublished(items: readonly PublishedItem[], now: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (items[mid]!.published <= now) low = mid + 1;
    else high = mid;
  }
  return low;
}

function fail(outage: Outage, res: ServerResponse): void {
  switch (outage.kind) {
    case 'unavailable':
      res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      return;
    case 'unavailable-retry-after':
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1800' }).end('maintenance');
      return;
    case 'server-error':
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    case 'reset':
      res.socket?.destroy();
  }
}

/** The feed document with the newest `window` of the first `visible` items, with validators (304s) and cache headers. */
function feedHandler(feed: SimFeed, visible: number): RouteHandler {
  const items = feed.items.slice(Math.max(0, visible - feed.window), visible).reverse();
  const newest = items[0]?.published ?? 0;
  const teaser = (text: string): string => (feed.config.fullText ? `${text.split('. ')[0]}.` : text);
  const { name, language, url } = feed.config;
  const body =
    feed.format === 'atom'
      ? atomFeed({
          title: name,
          id: `urn:soak:${feed.config.id}`,
          link: url,
          updated: new Date(newest),
          entries: items.map((item) => ({ id: item.guid, title: item.title, link: item.link, published: new Date(item.published), updated: new Date(item.published), content: `<p>${teaser(item.text)}</p>` })),
        })
      : rssFeed(
          {
            title: name,
            link: url,
            language,
            items: items.map((item) => ({ guid: item.guid, title: item.title, link: item.link, pubDate: new Date(item.published), description: `<p>${teaser(item.text)}</p>`, categories: item.event !== undefined ? ['Datenschutz'] : [] })),
          },
          { encoding: feed.format === 'rss-latin1' ? 'iso-8859-1' : 'utf-8' },
        );
  return serve(body, {
    contentType: feed.format === 'atom' ? 'application/atom+xml; charset=utf-8' : `application/rss+xml; charset=${feed.format === 'rss-latin1' ? 'iso-8859-1' : 'utf-8'}`,
    etag: `"${feed.config.id}-${visible}"`,
    lastModified: new Date(newest),
    ...(feed.maxAgeSeconds !== undefined ? { headers: { 'cache-control': `max-age=${feed.maxAgeSeconds}` } } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** When the daily maintenance runs (UTC), as a cron job would. */
const MAINTENANCE_MINUTE_OF_DAY = 3 * 60 + 20;

/** Runs the simulation; see the file's comment. */
export async function runSoakSimulation(options: SoakOptions): Promise<SoakResult> {
  const started = performance.now();
  const days = options.days ?? 30;
  const pollMs = (options.pollMinutes ?? 30) * MINUTE_MS;
  const tickMs = (options.tickMinutes ?? 15) * MINUTE_MS;
  if ((POLL_OFFSET_MINUTES * MINUTE_MS) % tickMs === 0) throw new Error('the poll offset must not fall on a delivery round');
  const start = (options.start ?? new Date('2026-10-12T00:00:00Z')).getTime();
  const stopAt = start + days * DAY_MS + (options.drainHours ?? 3) * HOUR_MS;
  const gazetteer = loadGazetteer();
  let clock = start;
  const now = (): Date => new Date(clock);

  const server = await startFeedServer();
  const world = buildWorld(server.origin, { seed: options.seed ?? 1, start, days, channels: options.channels ?? 1000, everydayShare: options.everydayShare ?? 1 }, gazetteer);
  routeFeeds(server, world, () => clock);

  mkdirSync(options.dir, { recursive: true });
  const storeFile = path.join(options.dir, 'soak.sqlite');
  const errors: string[] = [];
  const log = createLogger('error', 'json', new Writable({ write: (chunk, _encoding, done) => (errors.push(String(chunk)), done()) }));
  const store = await openStore(`sqlite://${storeFile}`, { instanceId: 'soak', onError: (error) => errors.push(String(error)) });
  await seedChannels(store, world.channels);

  const full = (options.record ?? 'full') === 'full';
  const deliveries: DeliveryRecord[] = [];
  let deliveriesPruned = 0;
  const startedIncidents = new Map<string, StartedIncident>();
  const progress: SoakProgress = {
    polls: 0,
    ticks: 0,
    articlesIngested: 0,
    incidentsStarted: 0,
    alertsSent: 0,
    sentAgain: 0,
    digestsSent: 0,
    pollOutcomes: { fetched: 0, 'not-modified': 0, 'not-due': 0, elsewhere: 0, failed: 0 },
    wallMs: { polls: 0, ticks: 0, maintenance: 0 },
  };
  const timed = async <T>(part: keyof SoakProgress['wallMs'], work: () => Promise<T>): Promise<T> => {
    const before = performance.now();
    const result = await work();
    progress.wallMs[part] += Math.round(performance.now() - before);
    return result;
  };
  const fetcher = createHttpFetcher({ ...DEFAULT_FETCHER_OPTIONS, userAgent: 'privacy-radar-soak', allowPrivateAddresses: true, perHostConcurrency: 8 });
  const leaseTtlMs = 60_000;
  // The core wired as the app wires it; only the platform edge (the sender) and the clock are the simulation's.
  const { delivery, processArticle } = createCore({
    store,
    gazetteer,
    log,
    now,
    // The platform edge: what would go to Discord or Matrix is recorded.
    send: async (channel, message, deliveryId) => {
      const kind = deliveryId.startsWith('alert.') ? 'alert' : 'digest';
      // Counted without remembering every id (the bench's memory stays the app's): the outbox says what was sent.
      if ((await store.outbox.get(deliveryId))?.status === 'sent') progress.sentAgain += 1;
      if (kind === 'alert') progress.alertsSent += 1;
      else progress.digestsSent += 1;
      if (full) deliveries.push({ deliveryId, channel: channelKey(channel), kind, at: clock, message });
    },
    canSend: () => true,
    graceMs: 6 * HOUR_MS,
    announceEmpty: true,
    prefix: (platform) => (platform === 'matrix' ? '!' : '/'),
    leaseTtlMs,
    onIncidentStarted: (incident) => {
      if (!startedIncidents.has(incident.id)) {
        progress.incidentsStarted += 1;
        startedIncidents.set(incident.id, { id: incident.id, companies: [...incident.companies], recordedAt: incident.recordedAt ?? incident.firstSeen, startedAt: clock });
      }
    },
  });
  const feeds = world.feeds.map((feed) => feed.config);
  const poll = async (): Promise<void> => {
    const report = await pollFeeds(feeds, {
      store,
      fetcher,
      log,
      now,
      settings: { maxCacheSeconds: 3600, backoff: { baseSeconds: 300, maxSeconds: 86_400 } },
      claimFeed: (feed) => store.leases.acquire(`poll.${feed.id}`, store.instanceId, leaseTtlMs),
      exclusive: store.exclusive,
      onArticle: async (article, feed) => {
        await processArticle(article, feed);
      },
    });
    // The stand-in keeps a record of every request; nothing here reads them, and a month of them would count as memory.
    server.requests.splice(0);
    progress.polls += 1;
    progress.articlesIngested += report.articles.length;
    for (const feed of report.feeds) progress.pollOutcomes[feed.outcome] += 1;
  };

  let firstPollAt: number | undefined;
  let lastTickAt = start;
  try {
    for (clock = start; clock <= stopAt; clock += MINUTE_MS) {
      const sinceStart = clock - start;
      if (sinceStart > 0 && sinceStart % tickMs === 0) {
        await timed('ticks', () => delivery.tick());
        progress.ticks += 1;
        lastTickAt = clock;
      }
      if ((sinceStart - POLL_OFFSET_MINUTES * MINUTE_MS) % pollMs === 0) {
        firstPollAt ??= clock;
        await timed('polls', poll);
      }
      if (clock % DAY_MS === MAINTENANCE_MINUTE_OF_DAY * MINUTE_MS) {
        const report = await timed('maintenance', () => runMaintenance(store, { retentionDays: 90, forgetAfterDays: 30 }, now(), log));
        deliveriesPruned += report.deliveriesDeleted;
      }
      if (sinceStart > 0 && sinceStart % DAY_MS === 0 && sinceStart <= days * DAY_MS) await options.onDay?.(sinceStart / DAY_MS - 1, progress);
    }
  } catch (error) {
    await Promise.allSettled([fetcher.close(), server.close(), store.close()]);
    throw error;
  }
  await delivery.settled();
  await fetcher.close();
  await server.close();
  return {
    world,
    store,
    storeFile,
    gazetteer,
    deliveries,
    deliveriesPruned,
    startedIncidents,
    firstPollAt: firstPollAt ?? start,
    lastTickAt,
    progress,
    errors,
    wallMs: Math.round(performance.now() - started),
    close: () => store.close(),
  };
}
