import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FeedStory } from '../fixtures/amazon-stories.ts';
import { rssFeed, serve, type FeedServer } from '../stand-ins/feed-server.ts';

/**
 * What the end-to-end tests of the running bot share: a working folder with a one-outlet feed catalogue pointing
 * at the loopback feed server, a SQLite store in it, and the stories that feed serves.
 */
export interface BotFolder {
  /** FEEDS_DIR, STORE_URL and ALLOW_PRIVATE_FEEDS (the feed server is on loopback) for the bot's environment. */
  env: { FEEDS_DIR: string; STORE_URL: string; ALLOW_PRIVATE_FEEDS: 'true' };
}

export async function createBotFolder(feeds: FeedServer, name: string, feed: { backfill?: number } = {}): Promise<BotFolder> {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  await mkdir(path.join(dir, 'feeds'));
  await writeFile(
    path.join(dir, 'feeds', 'news.json'),
    JSON.stringify({ id: 'news', name: 'Beispiel-News', url: feeds.url('/news.xml'), language: 'de', scope: 'privacy', fullText: false, enabled: true, ...feed }),
  );
  return { env: { FEEDS_DIR: path.join(dir, 'feeds'), STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`, ALLOW_PRIVATE_FEEDS: 'true' } };
}

/** Serves (or replaces) the outlet's feed with these stories, each linked at https://news.example/<guid>. */
export function serveStories(feeds: FeedServer, stories: readonly FeedStory[]): void {
  feeds.route(
    '/news.xml',
    serve(rssFeed({ title: 'News', items: stories.map((s) => ({ guid: s.guid, title: s.title, link: `https://news.example/${s.guid}`, description: s.text, pubDate: new Date(s.date) })) })),
  );
}

/** Polls every two seconds and runs a delivery round every second: what the end-to-end delivery tests watch. */
export const FAST_SCHEDULE = { POLL_CRON: '*/2 * * * * *', DELIVERY_CRON: '* * * * * *' } as const;

/** A bot token the Discord stand-in accepts. */
export const DISCORD_TEST_TOKEN = 'test-token-0123456789abcdef';

/** The environment that points the bot's Discord side at a stand-in. */
export function discordEnv(discord: { apiBase: string }): { DISCORD_TOKEN: string; DISCORD_API_BASE: string } {
  return { DISCORD_TOKEN: DISCORD_TEST_TOKEN, DISCORD_API_BASE: discord.apiBase };
}
