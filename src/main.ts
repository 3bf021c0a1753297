import { createAnalyser } from './analysis/analyse-article.ts';
import { loadGazetteer, type Gazetteer } from './analysis/company-gazetteer.ts';
import { createArticleProcessor, type ProcessedArticle } from './analysis/process-article.ts';
import { COMMANDS } from '../commands/index.ts';
import { ChannelUnavailableError, type ChannelMessage, type ChatServices } from './chat/command.ts';
import { createCommandRunner, type CommandRunner } from './chat/run-command.ts';
import { HOMEPAGE, VERSION, type Config } from './config.ts';
import type { ChannelRef, Platform } from './model/channel.ts';
import type { Incident } from './model/analysis.ts';
import type { LlmSettings } from './analysis/summarise-with-llm.ts';
import type { DeliverySender } from './delivery/send-outbox.ts';
import { leaseChannelClaims } from './delivery/channel-claims.ts';
import { recordReachable, recordRefusal } from './delivery/channel-health.ts';
import { createDelivery, PLANNING_LOCK, type Delivery } from './delivery/delivery-service.ts';
import { createDiscordBot } from './platforms/discord/discord-bot.ts';
import { createMatrixBot } from './platforms/matrix/matrix-bot.ts';
import { loadFeedCatalogue, type FeedCatalogue } from './ingest/feed-catalogue.ts';
import { createHttpFetcher, type HttpFetcher } from './ingest/http-fetcher.ts';
import { pollFeeds, type PollCycleReport, type PollOptions } from './ingest/poll-feeds.ts';
import { probeFeed } from './ingest/probe-feed.ts';
import type { Logger } from './log.ts';
import { runMaintenance, type MaintenanceReport } from './maintenance/run-maintenance.ts';
import type { FeedConfig } from './model/feed.ts';
import type { Article } from './model/item.ts';
import { backfillFeed, createHostPacer, type BackfillOptions, type BackfillReport, type BackfillState } from './ingest/backfill-feed.ts';
import { newIncidentId } from './store/incident-repo.ts';
import { openStore, type Store } from './store/open-store.ts';

/** Takes each newly ingested article with what the analysis made of it. Idempotent per article key. */
export type ArticleConsumer = (article: Article, feed: FeedConfig, processed: ProcessedArticle) => Promise<void>;

/**
 * The composition root: builds the parts from the configuration and wires them. No logic of its own.
 */
export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly fetcher: HttpFetcher;
  readonly catalogue: FeedCatalogue;
  readonly gazetteer: Gazetteer;
  /** The enabled feeds of the catalogue. */
  readonly feeds: FeedConfig[];
  /** One poll cycle; every new article is analysed and filed under its incident, then handed to `onArticle`. */
  poll(options?: PollOptions & { onArticle?: ArticleConsumer }): Promise<PollCycleReport>;
  /**
   * Reads a feed's archive into the incident store as history (see backfill-feed.ts): analysed and filed like any
   * article, never pushed to a channel. Pages are paced per host (BACKFILL_HOST_INTERVAL_MS).
   */
  backfill(feed: FeedConfig, options: BackfillOptions & { signal?: AbortSignal }): Promise<BackfillReport>;
  /** The chat commands, shared by every platform. */
  readonly commands: CommandRunner;
  /** Alerts and digests through the outbox (polls plan alerts for new incidents; `tick` sends). */
  readonly delivery: Delivery;
  /** Connects the chat platforms the configuration turns on (DISCORD_TOKEN, MATRIX_HOMESERVER_URL); their names. */
  startPlatforms(): Promise<Platform[]>;
  /** Each configured platform and whether it is connected now (not yet started counts as not connected). */
  platformStatus(): Partial<Record<Platform, boolean>>;
  /**
   * The daily sweep (retention and forgetting): prunes seen items and article texts past RETENTION_DAYS, and deletes the
   * settings of servers that removed the bot more than FORGET_AFTER_DAYS ago. One instance at a time; bounded per run.
   */
  maintain(now?: Date): Promise<MaintenanceReport>;
  /** Disconnects the platforms, then closes the fetcher and the store (in-flight store writes finish first). Idempotent. */
  close(): Promise<void>;
}

/** What the composition root needs of a platform adapter. */
interface PlatformConnection {
  start(): Promise<void>;
  /** `deliveryId` makes a repeated send harmless (Discord nonce, Matrix transaction id). */
  post(channelId: string, message: ChannelMessage, deliveryId?: string): Promise<void>;
  connected(): boolean;
  stop(): Promise<void>;
}

export async function createApp(config: Config, log: Logger): Promise<App> {
  const catalogue = await loadFeedCatalogue(config.feedsDir);
  for (const problem of catalogue.problems) {
    log.warn({ file: problem.file, problem: problem.message }, 'feed catalogue file skipped');
  }
  const store = await openStore(config.storeUrl, {
    onError: (error) => log.error({ err: error }, 'store error'),
    ...(config.instance.id !== undefined ? { instanceId: config.instance.id } : {}),
  });
  const { leaseTtlMs } = config.instance;
  const fetcher = createHttpFetcher({ userAgent: config.userAgent, maxRedirects: 5, ...config.fetch });
  const feeds = catalogue.feeds.filter((f) => f.enabled);
  const gazetteer = loadGazetteer();
  /** The connected platforms: how each posts a message the bot sends on its own. */
  const posters = new Map<Platform, PlatformConnection>();
  const chat: ChatServices = {
    store,
    gazetteer,
    feeds,
    version: VERSION,
    homepage: HOMEPAGE,
    defaultTimezone: config.digestDefaultTimezone,
    defaultDigestTime: config.digestDefaultTime,
    probeFeed: (url) => probeFeed(url, fetcher),
    userFeedLimit: config.userFeedsPerServer,
    retention: config.retention,
    now: () => new Date(),
    post: async (channel, message) => {
      const platform = posters.get(channel.platform);
      if (!platform) throw new Error(`${channel.platform} is not connected`);
      try {
        await platform.post(channel.id, message);
      } catch (error) {
        if (error instanceof ChannelUnavailableError) await recordRefusal(store.channels, channel, error.message, log);
        throw error;
      }
      await recordReachable(store.channels, channel, log);
    },
  };
  const commands = createCommandRunner(COMMANDS, chat, log);
  const { delivery, processArticle } = createCore({
    store,
    gazetteer,
    log,
    now: () => new Date(),
    send: async (channel, message, deliveryId) => {
      const platform = posters.get(channel.platform);
      if (!platform) throw new Error(`${channel.platform} is not connected`);
      await platform.post(channel.id, message, deliveryId);
    },
    canSend: (channel) => posters.has(channel.platform),
    graceMs: config.delivery.graceMs,
    announceEmpty: config.delivery.announceEmpty,
    prefix: (platform) => (platform === 'matrix' ? (config.matrix?.prefix ?? '!') : '/'),
    leaseTtlMs,
    ...(config.llm ? { llm: config.llm } : {}),
  });
  const pacer = createHostPacer(config.backfillHostIntervalMs);
  /** Feed leases this instance took: given back on close, so that a restarted or other instance polls at once. */
  const feedLeases = new Set<string>();
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    store,
    fetcher,
    catalogue,
    gazetteer,
    feeds,
    commands,
    delivery,
    async startPlatforms() {
      const wanted: [Platform, () => PlatformConnection][] = [];
      if (config.discord) wanted.push(['discord', () => createDiscordBot(config.discord!, commands, store, log)]);
      if (config.matrix) wanted.push(['matrix', () => createMatrixBot(config.matrix!, commands, store, log)]);
      for (const [platform, create] of wanted) {
        if (posters.has(platform)) continue;
        const bot = create();
        posters.set(platform, bot);
        try {
          await bot.start();
        } catch (error) {
          posters.delete(platform);
          await bot.stop();
          throw error;
        }
      }
      return [...posters.keys()];
    },
    platformStatus() {
      const status: Partial<Record<Platform, boolean>> = {};
      if (config.discord) status.discord = posters.get('discord')?.connected() ?? false;
      if (config.matrix) status.matrix = posters.get('matrix')?.connected() ?? false;
      return status;
    },
    poll: async ({ onArticle, ...options } = {}) =>
      pollFeeds(
        // The catalogue's outlets and those servers added (read once however many servers added one).
        [...feeds, ...(await store.userFeeds.all()).map((added) => added.feed).filter((added) => !feeds.some((feed) => feed.id === added.id))],
        {
          store,
          fetcher,
          log,
          settings: { maxCacheSeconds: config.feedMaxCacheSeconds, backoff: config.backoff },
          // The instance that polled a feed keeps it for the lease's time (a poll cycle); others skip it meanwhile.
          claimFeed: async (feed) => {
            const claimed = await store.leases.acquire(`poll.${feed.id}`, store.instanceId, leaseTtlMs);
            if (claimed) feedLeases.add(`poll.${feed.id}`);
            return claimed;
          },
          exclusive: store.exclusive,
          onArticle: async (article, feed) => {
            const processed = await processArticle(article, feed);
            await onArticle?.(article, feed, processed);
          },
        },
        options,
      ),
    backfill: (feed, { signal, ...options }) =>
      backfillFeed(
        feed,
        {
          store,
          fetcher,
          log,
          exclusive: store.exclusive,
          onArticle: async (article, fed) => void (await processArticle(article, fed)),
          state: store.collection<BackfillState>('backfill'),
          pace: pacer,
          ...(signal ? { signal } : {}),
        },
        options,
      ),
    maintain: (now = new Date()) =>
      runMaintenance(store, { retentionDays: config.retention.days, forgetAfterDays: config.retention.forgetAfterDays }, now, log),
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([...posters.values()].map((platform) => platform.stop()));
        await Promise.allSettled([...feedLeases].map((name) => store.leases.release(name, store.instanceId)));
        await fetcher.close();
        await store.close();
      })()),
  };
}

/** What the core needs around it: the store, a clock, and how a delivery reaches a platform. */
/** Analyses an ingested article and files it under its incident. */
export type ArticleProcessor = (article: Article, feed: FeedConfig) => Promise<ProcessedArticle>;

export interface CoreSettings {
  store: Store;
  gazetteer: Gazetteer;
  log: Logger;
  now: () => Date;
  send: DeliverySender;
  /** Whether the platform of a channel is connected now. */
  canSend: (channel: ChannelRef) => boolean;
  graceMs: number;
  announceEmpty: boolean;
  prefix: (platform: string) => string;
  /** How long this instance's claim on a channel's deliveries outlives it. */
  leaseTtlMs: number;
  llm?: LlmSettings;
  /** Sees every incident an announced article started, before its alerts are planned (the soak test counts them). */
  onIncidentStarted?: (incident: Incident) => void;
}

/**
 * Filing and delivery wired the one way that keeps them exactly once: articles are filed under the planning lock,
 * an announced new incident plans its alerts inside it, and digests are planned under the same lock (see
 * PLANNING_LOCK). The app and the soak simulation both build the core here.
 */
export function createCore(settings: CoreSettings): { delivery: Delivery; processArticle: ArticleProcessor } {
  const { store, gazetteer, log, now } = settings;
  const delivery = createDelivery({
    store,
    gazetteer,
    send: settings.send,
    canSend: settings.canSend,
    log: log.child({ component: 'delivery' }),
    now,
    graceMs: settings.graceMs,
    announceEmpty: settings.announceEmpty,
    prefix: settings.prefix,
    claimChannel: leaseChannelClaims(store.leases, store.instanceId, settings.leaseTtlMs),
  });
  const processArticle = createArticleProcessor({
    analyser: createAnalyser({ gazetteer }),
    incidents: store.incidents,
    unknownCompanies: store.unknownCompanies,
    gazetteer,
    newIncidentId,
    log,
    now,
    serialise: (work) => store.exclusive(PLANNING_LOCK, work),
    onNewIncident: async (incident) => {
      settings.onIncidentStarted?.(incident);
      await delivery.incidentStarted(incident);
    },
    ...(settings.llm ? { llm: settings.llm } : {}),
  });
  return { delivery, processArticle };
}
