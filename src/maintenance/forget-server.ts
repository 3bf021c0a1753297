import type { ChannelRef } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';

const DAY_MS = 24 * 3_600_000;

/** What forgetting a server deleted. */
export interface ForgottenServer {
  server: string;
  /** The channels (rooms) whose settings were deleted. */
  channels: ChannelRef[];
  /** How many outlets the server had added with `/feeds add` (a feed another server added too stays for that one). */
  feeds: number;
}

/**
 * Deletes everything kept about a server (`discord:<guild id>`, `matrix:<room id>`): every channel's settings with
 * their index entries, the feeds it added, and its removal record. What the bot stores about news (incidents,
 * articles) is not the server's and stays.
 */
export async function forgetServer(store: Pick<Store, 'channels' | 'userFeeds'>, server: string): Promise<ForgottenServer> {
  const channels = await store.channels.forgetServer(server);
  const feeds = await store.userFeeds.removeServer(server);
  return { server, channels, feeds };
}

/**
 * Forgets the servers that removed the bot more than `forgetAfterDays` ago (and did not take it back since), at most
 * `max` of them per run. The grace period lets a server that removed the bot by mistake, or is moving it, add it back
 * without losing its settings.
 */
export async function forgetRemovedServers(
  store: Pick<Store, 'channels' | 'userFeeds'>,
  now: Date,
  forgetAfterDays: number,
  max: number,
): Promise<ForgottenServer[]> {
  const due = now.getTime() - forgetAfterDays * DAY_MS;
  const removals = (await store.channels.removedServers()).filter((removal) => Date.parse(removal.removedAt) <= due);
  const forgotten: ForgottenServer[] = [];
  for (const removal of removals.slice(0, max)) forgotten.push(await forgetServer(store, removal.server));
  return forgotten;
}
