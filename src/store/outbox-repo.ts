import type { ChannelMessage } from '../chat/command.ts';
import type { ChannelRef } from '../model/channel.ts';
import type { Collection } from './collection.ts';
import type { DayIndex } from './day-index.ts';
import type { Exclusive } from './store-lock.ts';

/** One planned delivery: a card or digest for one channel. Recorded before it is sent, marked after. */
export interface OutboxEntry {
  /** Deterministic (`alert.<incident>.<channel>`, `digest.<channel>.<local date>`): planning twice plans once. */
  id: string;
  channel: ChannelRef;
  kind: 'alert' | 'digest';
  message: ChannelMessage;
  createdAt: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  sentAt?: string;
  lastError?: string;
}

export interface OutboxRepo {
  /** Records entries not planned before (by id); returns the ones that were new. */
  enqueue(entries: Omit<OutboxEntry, 'status' | 'attempts'>[]): Promise<OutboxEntry[]>;
  get(id: string): Promise<OutboxEntry | undefined>;
  getMany(ids: string[]): Promise<(OutboxEntry | undefined)[]>;
  /** Entries still to send, oldest first. */
  pending(): Promise<OutboxEntry[]>;
  markSent(id: string, at: string): Promise<void>;
  /** Counts a failed attempt; `final` gives up on the entry (the channel is gone, or too many attempts). */
  markAttempt(id: string, error: string, final: boolean): Promise<void>;
  /**
   * Deletes sent and given-up entries planned before `before` (a UTC day, YYYY-MM-DD), at most about `maxEntries`
   * per call; entries still pending are kept (filed again under `today`). Answers how many went and whether older
   * days are left.
   */
  prune(before: string, today: string, maxEntries: number): Promise<{ deleted: number; complete: boolean }>;
}

interface PendingIndex {
  ids: string[];
}

const PENDING_KEY = 'pending';

/**
 * The outbox: every delivery is stored before it is sent and marked sent after the platform confirmed it, so
 * that a crash in between resumes it on start-up (platforms make the resend harmless: Discord's enforced nonce,
 * Matrix's transaction id, both derived from the entry id). Entries are kept after sending: planning the same
 * delivery again finds it and plans nothing — until maintenance prunes them, long after any planning could
 * repeat (see OUTBOX_KEEP_DAYS). Writes hold the store lock `outbox`: instances sharing a store plan and mark
 * entries without losing each other's.
 */
export function createOutboxRepo(entries: Collection<OutboxEntry>, index: Collection<PendingIndex>, exclusive: Exclusive, days: DayIndex): OutboxRepo {
  const serialised = <T>(work: () => Promise<T>): Promise<T> => exclusive('outbox', work);
  const pendingIds = async (): Promise<string[]> => (await index.get(PENDING_KEY))?.ids ?? [];
  const setPending = (ids: string[]): Promise<void> => index.set(PENDING_KEY, { ids });

  return {
    enqueue: (planned) =>
      serialised(async () => {
        const unique = [...new Map(planned.map((entry) => [entry.id, entry])).values()];
        if (unique.length === 0) return [];
        const existing = await entries.getMany(unique.map((entry) => entry.id));
        const fresh: OutboxEntry[] = unique.filter((_, i) => existing[i] === undefined).map((entry) => ({ ...entry, status: 'pending', attempts: 0 }));
        if (fresh.length === 0) return [];
        // The entries first, then the indexes: an indexed id always has its entry.
        await entries.setMany(fresh.map((entry) => [entry.id, entry]));
        await setPending([...(await pendingIds()), ...fresh.map((entry) => entry.id)]);
        for (const [day, ids] of groupByDay(fresh)) await days.file(day, ids);
        return fresh;
      }),

    get: (id) => entries.get(id),

    getMany: (ids) => (ids.length === 0 ? Promise.resolve([]) : entries.getMany(ids)),

    pending: async () => {
      const ids = await pendingIds();
      const found = ids.length === 0 ? [] : await entries.getMany(ids);
      return found.filter((entry): entry is OutboxEntry => entry?.status === 'pending');
    },

    markSent: (id, at) =>
      serialised(async () => {
        const entry = await entries.get(id);
        if (entry) await entries.set(id, { ...entry, status: 'sent', sentAt: at, attempts: entry.attempts + 1 });
        await setPending((await pendingIds()).filter((pending) => pending !== id));
      }),

    markAttempt: (id, error, final) =>
      serialised(async () => {
        const entry = await entries.get(id);
        if (!entry) return;
        await entries.set(id, { ...entry, status: final ? 'failed' : 'pending', attempts: entry.attempts + 1, lastError: error.slice(0, 500) });
        if (final) await setPending((await pendingIds()).filter((pending) => pending !== id));
      }),

    prune: async (before, today, maxEntries) => {
      let deleted = 0;
      let looked = 0;
      for (const day of (await days.days()).filter((d) => d < before)) {
        for (let chunk = await days.lastChunk(day); chunk; chunk = await days.lastChunk(day)) {
          if (looked >= maxEntries) return { deleted, complete: false };
          looked += chunk.keys.length;
          const found = await entries.getMany(chunk.keys);
          const pending = chunk.keys.filter((_, i) => found[i]?.status === 'pending');
          const done = chunk.keys.filter((_, i) => found[i] !== undefined && found[i]!.status !== 'pending');
          if (pending.length > 0) await days.file(today, pending);
          await Promise.all(done.map((id) => entries.delete(id)));
          deleted += done.length;
          await days.dropChunk(chunk);
        }
      }
      return { deleted, complete: true };
    },
  };
}

function groupByDay(planned: readonly OutboxEntry[]): Map<string, string[]> {
  const byDay = new Map<string, string[]>();
  for (const entry of planned) {
    const day = entry.createdAt.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), entry.id]);
  }
  return byDay;
}
