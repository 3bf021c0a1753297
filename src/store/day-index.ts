import type { Collection } from './collection.ts';
import type { Exclusive } from './store-lock.ts';

/**
 * Keys filed by UTC day, so that retention finds the records of an old day without scanning the store.
 *
 * Why an index and not Keyv's `iterator()`: the store keeps every collection in one Keyv table under key prefixes of
 * its own (see collection.ts), and the adapters' iterators only narrow by a Keyv namespace — each would walk the whole
 * table. @keyv/sqlite pages with LIMIT/OFFSET and no ORDER BY (quadratic, and it skips rows when rows are deleted
 * while it runs); @keyv/postgres ends silently on a failed page (the error only goes to an event), so a failed sweep
 * would look like a finished one; @keyv/redis SCANs the whole keyspace. The index costs one short write per feed
 * poll that brings new items, and bounds each sweep step to one chunk.
 *
 * Layout: a directory (`all`: day → number of chunks) and chunks of at most DAY_CHUNK_KEYS keys (`<day>.<n>`). Writes
 * hold the store lock `lockName`, so instances sharing the store never lose each other's keys.
 */
export interface DayIndex {
  /** Adds keys to a day (a key already in the day's last chunk is not added twice). */
  file(day: string, keys: readonly string[]): Promise<void>;
  /** The days with keys, oldest first. */
  days(): Promise<string[]>;
  /** The day's last chunk, or undefined when the day has none left. Work through a day by taking and dropping chunks. */
  lastChunk(day: string): Promise<DayChunk | undefined>;
  /** Removes a chunk lastChunk answered (once its keys are dealt with); a day without chunks leaves the directory. */
  dropChunk(chunk: DayChunk): Promise<void>;
}

export interface DayChunk {
  day: string;
  /** Its number within the day, from 0. */
  index: number;
  keys: string[];
}

export interface DayDirectory {
  /** Day (YYYY-MM-DD) → how many chunks it has. */
  days: Record<string, number>;
}

export interface DayKeys {
  keys: string[];
}

/** Keys per chunk: about 50 kB of seen-item keys, one read or write each. */
export const DAY_CHUNK_KEYS = 1000;

const DIRECTORY = 'all';

/** The UTC day of a time, as the index names days: YYYY-MM-DD (sorts as it reads). */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function createDayIndex(
  directory: Collection<DayDirectory>,
  chunks: Collection<DayKeys>,
  exclusive: Exclusive,
  lockName: string,
): DayIndex {
  const chunkKey = (day: string, index: number): string => `${day}.${index}`;
  const readDirectory = async (): Promise<DayDirectory> => (await directory.get(DIRECTORY)) ?? { days: {} };

  return {
    file: (day, keys) =>
      exclusive(lockName, async () => {
        const dir = await readDirectory();
        const count = dir.days[day] ?? 0;
        let index = Math.max(count - 1, 0);
        let current = count > 0 ? ((await chunks.get(chunkKey(day, index)))?.keys ?? []) : [];
        const present = new Set(current);
        const fresh = [...new Set(keys)].filter((key) => !present.has(key));
        if (fresh.length === 0) return;
        const writes: [string, DayKeys][] = [];
        for (const key of fresh) {
          if (current.length >= DAY_CHUNK_KEYS) {
            writes.push([chunkKey(day, index), { keys: current }]);
            index += 1;
            current = [];
          }
          current.push(key);
        }
        writes.push([chunkKey(day, index), { keys: current }]);
        // Chunks before the directory: a failure in between leaves an uncounted chunk, which the next filing overwrites.
        await chunks.setMany(writes);
        if (dir.days[day] !== index + 1) {
          dir.days[day] = index + 1;
          await directory.set(DIRECTORY, dir);
        }
      }),

    days: async () => Object.keys((await readDirectory()).days).sort(),

    lastChunk: async (day) => {
      const count = (await readDirectory()).days[day] ?? 0;
      if (count === 0) return undefined;
      const index = count - 1;
      return { day, index, keys: (await chunks.get(chunkKey(day, index)))?.keys ?? [] };
    },

    dropChunk: (chunk) =>
      exclusive(lockName, async () => {
        const dir = await readDirectory();
        // Only the last chunk goes: one filed meanwhile (not expected for a past day) is left for the next sweep.
        if (dir.days[chunk.day] !== chunk.index + 1) return;
        await chunks.delete(chunkKey(chunk.day, chunk.index));
        if (chunk.index === 0) delete dir.days[chunk.day];
        else dir.days[chunk.day] = chunk.index;
        await directory.set(DIRECTORY, dir);
      }),
  };
}
