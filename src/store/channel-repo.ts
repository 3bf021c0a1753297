import { channelKey, serverKey, type ChannelRef, type ChannelSettings } from '../model/channel.ts';
import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/** At most this many company subscriptions per channel: an alert list, not a mirror of the gazetteer. */
export const MAX_SUBSCRIPTIONS = 50;

export interface ChannelRepo {
  get(ref: ChannelRef): Promise<ChannelSettings | undefined>;
  /** Several channels' settings in a few round trips, in the order asked. */
  getMany(refs: readonly ChannelRef[]): Promise<(ChannelSettings | undefined)[]>;
  /**
   * Reads the channel's settings (fresh defaults when it has none), applies `change` and saves the result;
   * the company → channels index follows subscription changes. Updates hold the store lock `channels`.
   */
  update(ref: ChannelRef & { guildId?: string }, change: (settings: ChannelSettings) => void): Promise<ChannelSettings>;
  /** The channels with a daily digest set (what the minute tick looks through). */
  digestChannels(): Promise<ChannelRef[]>;
  /** Forgets everything the bot keeps about a channel (and its index entries). True when there was something. */
  delete(ref: ChannelRef): Promise<boolean>;
  /** The channels subscribed to any of these companies (callers pass a company and its ancestors). */
  subscribersOf(companyIds: readonly string[]): Promise<ChannelRef[]>;
  /** The channels with settings on a server (see serverKey: `discord:<guild id>`; a Matrix room is its own server). */
  channelsOf(server: string): Promise<ChannelRef[]>;
  /** Every server with channel settings. */
  servers(): Promise<string[]>;
  /** Records that the bot was removed from a server at `at` (ISO 8601); an earlier record stands. */
  markRemoved(server: string, at: string): Promise<void>;
  /** The bot is on the server (again): its removal record goes. True when there was one. */
  clearRemoved(server: string): Promise<boolean>;
  /** The servers the bot was removed from, earliest removal first. */
  removedServers(): Promise<ServerRemoval[]>;
  /** Deletes the settings of every channel on a server, their index entries and the server's removal record; the channels deleted. */
  forgetServer(server: string): Promise<ChannelRef[]>;
}

/** A server the bot was removed from: its settings are deleted after a grace period unless the bot is back by then. */
export interface ServerRemoval {
  server: string;
  /** ISO 8601. */
  removedAt: string;
}

/** The channels subscribed to one company, by channel key (also: the channels of one server). */
interface SubscriberList {
  channels: ChannelRef[];
}

/** The servers with channel settings. */
interface ServerList {
  servers: string[];
}
/** The servers that removed the bot. */
interface RemovalList {
  removals: ServerRemoval[];
}

/** Where the channel repository keeps its documents. */
export interface ChannelCollections {
  settings: Collection<ChannelSettings>;
  /** Company id → subscribed channels. */
  subscribers: Collection<SubscriberList>;
  /** `all` → the channels with a digest. */
  digests: Collection<SubscriberList>;
  /** Server key → its channels with settings. */
  serverChannels: Collection<SubscriberList>;
  /** `all` → the server keys with channel settings. */
  servers: Collection<ServerList>;
  /** `all` → the servers that removed the bot. */
  removals: Collection<RemovalList>;
}

/** The key of a collection's one document. */
const ALL = 'all';

/**
 * Channel settings keyed by `platform:id`, and an index from company id to subscribed channels so that an
 * alert finds its channels without scanning every channel; lists of each server's channels (for forgetting a
 * server) and of the servers that removed the bot. All are read-modify-write documents, written under the
 * store lock `channels`, so that instances sharing a store never lose each other's changes.
 */
export function createChannelRepo(collections: ChannelCollections, exclusive: Exclusive, now: () => Date = () => new Date()): ChannelRepo {
  const { settings, subscribers, digests: digestIndex, serverChannels, servers: serverList, removals } = collections;
  const serialised = <T>(work: () => Promise<T>): Promise<T> => exclusive('channels', work);

  const reindex = async (ref: ChannelRef, before: readonly string[], after: readonly string[]): Promise<void> => {
    const key = channelKey(ref);
    const changed = [...before.filter((c) => !after.includes(c)), ...after.filter((c) => !before.includes(c))];
    if (changed.length === 0) return;
    const lists = await subscribers.getMany(changed);
    const writes: [string, SubscriberList][] = [];
    const deletions: string[] = [];
    changed.forEach((company, i) => {
      const others = (lists[i]?.channels ?? []).filter((c) => channelKey(c) !== key);
      const channels = after.includes(company) ? [...others, { platform: ref.platform, id: ref.id }] : others;
      if (channels.length === 0) deletions.push(company);
      else writes.push([company, { channels }]);
    });
    await subscribers.setMany(writes);
    await Promise.all(deletions.map((company) => subscribers.delete(company)));
  };

  const reindexDigest = async (ref: ChannelRef, had: boolean, has: boolean): Promise<void> => {
    if (had === has) return;
    const key = channelKey(ref);
    const channels = ((await digestIndex.get('all'))?.channels ?? []).filter((c) => channelKey(c) !== key);
    await digestIndex.set('all', { channels: has ? [...channels, { platform: ref.platform, id: ref.id }] : channels });
  };

  const listServers = async (): Promise<string[]> => (await serverList.get(ALL))?.servers ?? [];

  /** Keeps the channel in its server's list (read on every update: settings saved before the list existed join it then). */
  const listOnServer = async (ref: ChannelRef, server: string | undefined): Promise<void> => {
    if (server === undefined) return;
    const channels = (await serverChannels.get(server))?.channels ?? [];
    if (channels.some((c) => channelKey(c) === channelKey(ref))) return;
    await serverChannels.set(server, { channels: [...channels, { platform: ref.platform, id: ref.id }] });
    if (channels.length === 0) {
      const known = await listServers();
      if (!known.includes(server)) await serverList.set(ALL, { servers: [...known, server] });
    }
  };

  /** Removes a server's channel list and its entry in the list of servers. */
  const dropServer = async (server: string): Promise<void> => {
    await serverChannels.delete(server);
    const known = await listServers();
    if (known.includes(server)) await serverList.set(ALL, { servers: known.filter((s) => s !== server) });
  };

  const unlistFromServer = async (ref: ChannelRef, server: string | undefined): Promise<void> => {
    if (server === undefined) return;
    const channels = ((await serverChannels.get(server))?.channels ?? []).filter((c) => channelKey(c) !== channelKey(ref));
    if (channels.length > 0) await serverChannels.set(server, { channels });
    else await dropServer(server);
  };

  const deleteChannel = async (ref: ChannelRef): Promise<boolean> => {
    const key = channelKey(ref);
    const previous = await settings.get(key);
    if (!previous) return false;
    await reindex(ref, previous.subscriptions, []);
    await reindexDigest(ref, previous.digest !== undefined, false);
    await unlistFromServer(ref, serverKey(previous));
    return settings.delete(key);
  };

  const readRemovals = async (): Promise<ServerRemoval[]> => (await removals.get(ALL))?.removals ?? [];
  const writeRemovals = async (list: ServerRemoval[]): Promise<void> => {
    if (list.length === 0) await removals.delete(ALL);
    else await removals.set(ALL, { removals: list });
  };

  return {
    get: (ref) => settings.get(channelKey(ref)),

    getMany: async (refs) => (refs.length === 0 ? [] : settings.getMany(refs.map(channelKey))),

    digestChannels: async () => (await digestIndex.get('all'))?.channels ?? [],

    update: (ref, change) =>
      serialised(async () => {
        const key = channelKey(ref);
        const previous = await settings.get(key);
        const next: ChannelSettings = structuredClone(
          previous ?? { platform: ref.platform, id: ref.id, subscriptions: [], active: true, updatedAt: '' },
        );
        if (ref.guildId !== undefined) next.guildId = ref.guildId;
        change(next);
        next.subscriptions = [...new Set(next.subscriptions)].slice(0, MAX_SUBSCRIPTIONS);
        next.updatedAt = now().toISOString();
        await settings.set(key, next);
        await reindex(ref, previous?.subscriptions ?? [], next.subscriptions);
        await reindexDigest(ref, previous?.digest !== undefined, next.digest !== undefined);
        await listOnServer(ref, serverKey(next));
        return next;
      }),

    delete: (ref) => serialised(() => deleteChannel(ref)),

    subscribersOf: async (companyIds) => {
      const lists = await subscribers.getMany([...new Set(companyIds)]);
      const found = new Map<string, ChannelRef>();
      for (const list of lists) for (const ref of list?.channels ?? []) found.set(channelKey(ref), ref);
      return [...found.values()];
    },

    channelsOf: async (server) => (await serverChannels.get(server))?.channels ?? [],

    servers: listServers,

    markRemoved: (server, at) =>
      serialised(async () => {
        const list = await readRemovals();
        if (!list.some((removal) => removal.server === server)) await writeRemovals([...list, { server, removedAt: at }]);
      }),

    clearRemoved: (server) =>
      serialised(async () => {
        const list = await readRemovals();
        const rest = list.filter((removal) => removal.server !== server);
        if (rest.length === list.length) return false;
        await writeRemovals(rest);
        return true;
      }),

    removedServers: async () => [...(await readRemovals())].sort((a, b) => a.removedAt.localeCompare(b.removedAt)),

    forgetServer: (server) =>
      serialised(async () => {
        const listed = (await serverChannels.get(server))?.channels ?? [];
        // A Matrix room is its own server: found even when saved before server lists existed.
        const own: ChannelRef[] = server.startsWith('matrix:') ? [{ platform: 'matrix', id: server.slice('matrix:'.length) }] : [];
        const candidates = new Map([...listed, ...own].map((ref) => [channelKey(ref), ref]));
        const deleted: ChannelRef[] = [];
        for (const ref of candidates.values()) if (await deleteChannel(ref)) deleted.push(ref);
        await dropServer(server); // what is left of a list whose channels were gone already
        await writeRemovals((await readRemovals()).filter((removal) => removal.server !== server));
        return deleted;
      }),
  };
}
