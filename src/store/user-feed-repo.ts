import { createHash } from 'node:crypto';
import type { FeedConfig } from '../model/feed.ts';
import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/**
 * An outlet a server added with `/feeds add`: read like the catalogue's outlets, once however many servers
 * added the same URL. Its stories reach only the servers that added it until a catalogue outlet reports the
 * same incident (see src/delivery/incident-audience.ts).
 */
export interface UserFeed {
  feed: FeedConfig;
  /** The servers that added it: `discord:<guild id>`, `matrix:<room id>` (a Matrix room is its own server here). */
  servers: string[];
  addedAt: string;
}

export type AddOutcome = 'added' | 'already' | 'limit';

export interface UserFeedRepo {
  all(): Promise<UserFeed[]>;
  ofServer(server: string): Promise<UserFeed[]>;
  /** Adds the feed for `server` unless the server has `limit` feeds already; a URL another server added is shared. */
  add(server: string, feed: FeedConfig, limit: number, at: string): Promise<AddOutcome>;
  /** Removes the feed from `server`; a feed no server has left is forgotten. False when the server did not have it. */
  remove(server: string, feedId: string): Promise<boolean>;
  /** Forgets a server's feeds (the bot left it). Answers how many it had. */
  removeServer(server: string): Promise<number>;
}

/** User feed ids: `u-` and a hash of the canonical URL, so the same URL is one feed for every server. */
export function userFeedId(canonicalUrl: string): string {
  return `u-${createHash('sha256').update(canonicalUrl).digest('hex').slice(0, 16)}`;
}

export function isUserFeedId(feedId: string): boolean {
  return feedId.startsWith('u-');
}

interface IdList {
  ids: string[];
}

const ALL = 'all';
const serverKey = (server: string): string => `server:${server}`;

/** User feeds and two indexes (all of them; per server), written under the store lock `user-feeds`. */
export function createUserFeedRepo(feeds: Collection<UserFeed>, index: Collection<IdList>, exclusive: Exclusive): UserFeedRepo {
  const serialised = <T>(work: () => Promise<T>): Promise<T> => exclusive('user-feeds', work);
  const ids = async (key: string): Promise<string[]> => (await index.get(key))?.ids ?? [];
  const load = async (list: string[]): Promise<UserFeed[]> =>
    list.length === 0 ? [] : (await feeds.getMany(list)).filter((feed): feed is UserFeed => feed !== undefined);
  const setIds = async (key: string, list: string[]): Promise<void> => {
    if (list.length === 0) await index.delete(key);
    else await index.set(key, { ids: list });
  };

  const removeFrom = async (server: string, feedId: string): Promise<boolean> => {
    const feed = await feeds.get(feedId);
    if (!feed?.servers.includes(server)) return false;
    const servers = feed.servers.filter((s) => s !== server);
    if (servers.length === 0) {
      await feeds.delete(feedId);
      await setIds(ALL, (await ids(ALL)).filter((id) => id !== feedId));
    } else {
      await feeds.set(feedId, { ...feed, servers });
    }
    await setIds(serverKey(server), (await ids(serverKey(server))).filter((id) => id !== feedId));
    return true;
  };

  return {
    all: async () => load(await ids(ALL)),
    ofServer: async (server) => load(await ids(serverKey(server))),
    add: (server, feed, limit, at) =>
      serialised(async () => {
        const mine = await ids(serverKey(server));
        if (mine.includes(feed.id)) return 'already';
        if (mine.length >= limit) return 'limit';
        const existing = await feeds.get(feed.id);
        await feeds.set(feed.id, existing ? { ...existing, servers: [...existing.servers, server] } : { feed, servers: [server], addedAt: at });
        if (!existing) await setIds(ALL, [...(await ids(ALL)), feed.id]);
        await setIds(serverKey(server), [...mine, feed.id]);
        return 'added';
      }),
    remove: (server, feedId) => serialised(() => removeFrom(server, feedId)),
    removeServer: (server) =>
      serialised(async () => {
        const mine = await ids(serverKey(server));
        for (const feedId of mine) await removeFrom(server, feedId);
        return mine.length;
      }),
  };
}
