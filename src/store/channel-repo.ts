import { channelKey, type ChannelRef, type ChannelSettings } from '../model/channel.ts';
import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/** At most this many company subscriptions per channel: an alert list, not a mirror of the gazetteer. */
export const MAX_SUBSCRIPTIONS = 50;

export interface ChannelRepo {
  get(ref: ChannelRef): Promise<ChannelSettings | undefined>;
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
}

/** The channels subscribed to one company, by channel key. */
interface SubscriberList {
  channels: ChannelRef[];
}

/**
 * Channel settings keyed by `platform:id`, and an index from company id to subscribed channels so that an
 * alert finds its channels without scanning every channel. Both are read-modify-write documents, written
 * under the store lock `channels`, so that instances sharing a store never lose each other's changes.
 */
export function createChannelRepo(
  settings: Collection<ChannelSettings>,
  subscribers: Collection<SubscriberList>,
  digestIndex: Collection<SubscriberList>,
  exclusive: Exclusive,
  now: () => Date = () => new Date(),
): ChannelRepo {
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

  return {
    get: (ref) => settings.get(channelKey(ref)),

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
        return next;
      }),

    delete: (ref) =>
      serialised(async () => {
        const key = channelKey(ref);
        const previous = await settings.get(key);
        if (!previous) return false;
        await reindex(ref, previous.subscriptions, []);
        await reindexDigest(ref, previous.digest !== undefined, false);
        return settings.delete(key);
      }),

    subscribersOf: async (companyIds) => {
      const lists = await subscribers.getMany([...new Set(companyIds)]);
      const found = new Map<string, ChannelRef>();
      for (const list of lists) for (const ref of list?.channels ?? []) found.set(channelKey(ref), ref);
      return [...found.values()];
    },
  };
}
