import type { ChatServices, CommandDefinition } from '../src/chat/command.ts';
import { relativeTime } from '../src/chat/relative-time.ts';
import { t, type MessageKey } from '../src/chat/translate.ts';
import { normaliseFeedUrl } from '../src/ingest/probe-feed.ts';
import { serverKey } from '../src/model/channel.ts';
import type { FeedConfig, Language } from '../src/model/feed.ts';
import { userFeedId, type UserFeed } from '../src/store/user-feed-repo.ts';

/**
 * `/feeds`: the outlets the bot reads and how reading them goes, with the ones this server added.
 * `/feeds add url:<url>` and `/feeds remove feed:<url or name>` (managers, in a channel): a server's own outlets,
 * validated by reading them once, polled like the catalogue's, their stories reaching this server only.
 */
export const feeds: CommandDefinition = {
  name: 'feeds',
  description: { en: 'The news outlets the bot reads, and their health', de: 'Die Nachrichtenquellen des Bots und ihr Zustand' },
  access: 'everyone',
  scope: 'anywhere',
  usage: ['feeds', 'feeds add <url>', 'feeds remove <url or name>'],
  defaultSubcommand: 'list',
  subcommands: [
    {
      name: 'list',
      description: { en: 'The outlets and how reading them goes', de: 'Die Quellen und wie das Lesen klappt' },
      options: [],
      async handle({ context, services }) {
        const { language } = context;
        const now = services.now();
        const server = serverKey(context.channel);
        const mine = server === undefined ? [] : await services.store.userFeeds.ofServer(server);
        const lines = await healthLines(services.feeds, services, language, now);
        if (mine.length > 0) {
          lines.push('', t(language, 'feeds.mineSection', { count: mine.length, limit: services.userFeedLimit }));
          lines.push(...(await healthLines(mine.map((feed) => feed.feed), services, language, now)));
        }
        return { title: t(language, 'feeds.title', { count: services.feeds.length + mine.length }), lines };
      },
    },
    {
      name: 'add',
      description: { en: 'Read another outlet for this server', de: 'Eine weitere Quelle für diesen Server lesen' },
      access: 'managers',
      scope: 'channels',
      options: [{ name: 'url', kind: 'string', required: true, maxLength: 2048, description: { en: 'The RSS or Atom feed address', de: 'Die Adresse des RSS- oder Atom-Feeds' } }],
      async handle({ options, context, services }) {
        const { language, prefix } = context;
        const server = serverKey(context.channel);
        if (server === undefined) return { lines: [t(language, 'error.needsChannel', { prefix, command: 'feeds add' })], private: true };
        if (services.userFeedLimit <= 0) return { lines: [t(language, 'feeds.addOff')], private: true };
        const url = normaliseFeedUrl(String(options.url));
        if (typeof url !== 'string') return refused(language, url.reason, url.detail);
        const builtIn = services.feeds.find((feed) => sameUrl(feed.url, url));
        if (builtIn) return { lines: [t(language, 'feeds.builtIn', { name: builtIn.name })], private: true };
        const mine = await services.store.userFeeds.ofServer(server);
        const already = mine.find((feed) => feed.feed.id === userFeedId(url));
        if (already) return { lines: [t(language, 'feeds.alreadyMine', { name: already.feed.name })], private: true };
        if (mine.length >= services.userFeedLimit) return { lines: [t(language, 'feeds.limit', { limit: services.userFeedLimit, prefix })], private: true };
        const probe = await services.probeFeed(url);
        if (!probe.ok) return refused(language, probe.reason, probe.detail);
        const feed: FeedConfig = {
          id: userFeedId(probe.url),
          name: probe.title,
          url: probe.url,
          language: probe.language,
          // Unknown outlets get the strict relevance bar of general news, and their article pages are read.
          scope: 'general',
          fullText: true,
          enabled: true,
        };
        const outcome = await services.store.userFeeds.add(server, feed, services.userFeedLimit, services.now().toISOString());
        if (outcome === 'limit') return { lines: [t(language, 'feeds.limit', { limit: services.userFeedLimit, prefix })], private: true };
        if (outcome === 'already') return { lines: [t(language, 'feeds.alreadyMine', { name: feed.name })], private: true };
        return { lines: [t(language, 'feeds.added', { name: feed.name, language: feed.language, items: probe.items })] };
      },
    },
    {
      name: 'remove',
      description: { en: 'Stop reading an outlet this server added', de: 'Eine von diesem Server hinzugefügte Quelle nicht mehr lesen' },
      access: 'managers',
      scope: 'channels',
      options: [
        {
          name: 'feed',
          kind: 'string',
          required: true,
          maxLength: 2048,
          restOfLine: true,
          description: { en: 'Its address or name', de: 'Ihre Adresse oder ihr Name' },
          autocomplete: async (typed, context, services) => {
            const server = serverKey(context.channel);
            const mine = server === undefined ? [] : await services.store.userFeeds.ofServer(server);
            const folded = typed.trim().toLowerCase();
            return mine
              .filter((feed) => folded === '' || feed.feed.name.toLowerCase().includes(folded) || feed.feed.url.toLowerCase().includes(folded))
              .slice(0, 25)
              .map((feed) => ({ label: feed.feed.name.slice(0, 100), value: feed.feed.url.length <= 100 ? feed.feed.url : feed.feed.id }));
          },
        },
      ],
      async handle({ options, context, services }) {
        const { language, prefix } = context;
        const server = serverKey(context.channel);
        const query = String(options.feed).trim();
        const mine = server === undefined ? [] : await services.store.userFeeds.ofServer(server);
        const found = findFeed(mine, query);
        if (!found || server === undefined || !(await services.store.userFeeds.remove(server, found.feed.id))) {
          return { lines: [t(language, 'feeds.notMine', { query: query.slice(0, 100), prefix })], private: true };
        }
        return { lines: [t(language, 'feeds.removed', { name: found.feed.name })] };
      },
    },
  ],
};

async function healthLines(list: readonly FeedConfig[], services: ChatServices, language: Language, now: Date): Promise<string[]> {
  const states = await Promise.all(list.map((feed) => services.store.feedState.get(feed.id)));
  return list.map((feed, i) => {
    const health = states[i]?.health;
    const values = { name: feed.name, language: feed.language };
    if (!health?.lastAttempt) return t(language, 'feeds.pending', values);
    if (health.consecutiveFailures > 0) {
      return t(language, 'feeds.failing', {
        ...values,
        failures: health.consecutiveFailures,
        kind: health.lastErrorKind ?? 'error',
        ago: relativeTime(health.lastSuccess, now, language),
      });
    }
    return t(language, 'feeds.ok', { ...values, ago: relativeTime(health.lastSuccess, now, language) });
  });
}

function refused(language: Language, reason: string, detail: string): { lines: string[]; private: true } {
  return { lines: [t(language, `feeds.refused.${reason}` as MessageKey, { detail: detail.replace(/\.$/, '') })], private: true };
}

/** A server's feed by id, address or name (case-insensitive). */
function findFeed(mine: readonly UserFeed[], query: string): UserFeed | undefined {
  const folded = query.toLowerCase();
  const url = normaliseFeedUrl(query);
  return mine.find(
    (feed) => feed.feed.id === query || (typeof url === 'string' && sameUrl(feed.feed.url, url)) || feed.feed.name.toLowerCase() === folded,
  );
}

function sameUrl(a: string, b: string): boolean {
  const strip = (u: string) => u.replace(/#.*$/, '').replace(/\/$/, '').toLowerCase();
  return strip(a) === strip(b);
}
