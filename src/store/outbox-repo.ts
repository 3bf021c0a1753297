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

/**
 * The pending entries' ids, in chunks: a directory (`directory` → chunk keys, oldest first) and chunk documents
 * of ids. Planning appends a chunk; sending writes only the entry (its status says it is no longer pending);
 * reading the pending entries drops the chunks whose entries are all done and rewrites those partly done. So
 * marking an entry costs one write however long the queue is — one index document rewritten per sent entry made
 * a round to 10,000 channels quadratic. The document that held every pending id before chunks (`pending`) has the
 * shape of a chunk and is read as the first one.
 */
interface PendingChunk {
  ids: string[];
}
interface PendingDirectory {
  chunks: string[];
  /** The number the next chunk gets. */
  next: number;
}
type PendingIndexDocument = PendingChunk | PendingDirectory;

const DIRECTORY_KEY = 'directory';
const LEGACY_PENDING_KEY = 'pending';
/** Ids per chunk (about 60 kB). */
const PENDING_CHUNK_IDS = 1000;

/**
 * The outbox: every delivery is stored before it is sent and marked sent after the platform confirmed it, so
 * that a crash in between resumes it on start-up (platforms make the resend harmless: Discord's enforced nonce,
 * Matrix's transaction id, both derived from the entry id). Entries are kept after sending: planning the same
 * delivery again finds it and plans nothing — until maintenance prunes them, long after any planning could
 * repeat (see OUTBOX_KEEP_DAYS). Index writes hold the store lock `outbox`: instances sharing a store plan and
 * tidy the index without losing each other's ids.
 */
export function createOutboxRepo(entries: Collection<OutboxEntry>, index: Collection<PendingIndexDocument>, exclusive: Exclusive, days: DayIndex): OutboxRepo {
  const serialised = <T>(work: () => Promise<T>): Promise<T> => exclusive('outbox', work);
  const readDirectory = async (): Promise<PendingDirectory> => {
    const directory = await index.get(DIRECTORY_KEY);
    if (directory && 'chunks' in directory) return directory;
    const legacy = await index.get(LEGACY_PENDING_KEY);
    return { chunks: legacy ? [LEGACY_PENDING_KEY] : [], next: 0 };
  };
  const readChunks = async (keys: string[]): Promise<string[][]> =>
    keys.length === 0 ? [] : (await index.getMany(keys)).map((chunk) => (chunk && 'ids' in chunk ? chunk.ids : []));

  /** Appends ids as new chunks (chunks first, then the directory: a chunk the directory does not name is never read). */
  const appendPending = async (ids: string[]): Promise<void> => {
    const directory = await readDirectory();
    const writes: [string, PendingChunk][] = [];
    for (let start = 0; start < ids.length; start += PENDING_CHUNK_IDS) {
      writes.push([`chunk.${directory.next}`, { ids: ids.slice(start, start + PENDING_CHUNK_IDS) }]);
      directory.next += 1;
    }
    await index.setMany(writes);
    await index.set(DIRECTORY_KEY, { chunks: [...directory.chunks, ...writes.map(([key]) => key)], next: directory.next });
  };

  /** Drops chunks with nothing pending left and rewrites those with some done; others' new chunks are kept. */
  const tidyPending = (seen: Map<string, string[]>): Promise<void> =>
    serialised(async () => {
      const directory = await readDirectory();
      const gone = [...seen].filter(([key, ids]) => directory.chunks.includes(key) && ids.length === 0).map(([key]) => key);
      const shrunk = [...seen].filter(([key, ids]) => directory.chunks.includes(key) && ids.length > 0);
      if (shrunk.length > 0) await index.setMany(shrunk.map(([key, ids]) => [key, { ids }]));
      if (gone.length === 0) return;
      await index.set(DIRECTORY_KEY, { chunks: directory.chunks.filter((key) => !gone.includes(key)), next: directory.next });
      await Promise.all(gone.map((key) => index.delete(key)));
    });

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
        await appendPending(fresh.map((entry) => entry.id));
        for (const [day, ids] of groupByDay(fresh)) await days.file(day, ids);
        return fresh;
      }),

    get: (id) => entries.get(id),

    getMany: (ids) => (ids.length === 0 ? Promise.resolve([]) : entries.getMany(ids)),

    pending: async () => {
      const { chunks } = await readDirectory();
      const lists = await readChunks(chunks);
      const ids = [...new Set(lists.flat())];
      const found = ids.length === 0 ? [] : await entries.getMany(ids);
      const pending = found.filter((entry): entry is OutboxEntry => entry?.status === 'pending');
      const stillPending = new Set(pending.map((entry) => entry.id));
      const changed = new Map<string, string[]>();
      chunks.forEach((key, i) => {
        const ids = lists[i] ?? [];
        const kept = ids.filter((id) => stillPending.has(id));
        if (kept.length < ids.length || ids.length === 0) changed.set(key, kept);
      });
      if (changed.size > 0) await tidyPending(changed);
      return pending;
    },

    markSent: async (id, at) => {
      const entry = await entries.get(id);
      if (entry) await entries.set(id, { ...entry, status: 'sent', sentAt: at, attempts: entry.attempts + 1 });
    },

    markAttempt: async (id, error, final) => {
      const entry = await entries.get(id);
      if (entry) await entries.set(id, { ...entry, status: final ? 'failed' : 'pending', attempts: entry.attempts + 1, lastError: error.slice(0, 500) });
    },

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
