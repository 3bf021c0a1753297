import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.ts';
import type { OutboxEntry } from '../../src/store/outbox-repo.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * The outbox's pending index on every backend: ids in chunks that planning appends and reading tidies, so that
 * marking an entry sent writes the entry alone however long the queue is; an index from before chunks is read.
 */

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-outbox-pending-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

interface IndexDocument {
  chunks?: string[];
  ids?: string[];
}

for (const backend of storeBackends(path.join(sqliteDir, 'outbox.sqlite'))) {
  describe.skipIf(backend.url === undefined)(`outbox pending index: ${backend.title}`, () => {
    let store: Store | undefined;
    const prefixes: string[] = [];
    /** A store of its own for each test (a fresh prefix), the previous one closed. */
    const open = async (): Promise<Store> => {
      await store?.close();
      const prefix = randomPrefix();
      prefixes.push(prefix);
      store = await openStore(backend.url ?? '', { prefix });
      return store;
    };
    beforeAll(() => async () => {
      await store?.close();
      await backend.purge(backend.url ?? '', prefixes);
    });

    const plan = (id: string, channel = '100'): Omit<OutboxEntry, 'status' | 'attempts'> => ({
      id,
      channel: { platform: 'discord', id: channel },
      kind: 'alert',
      message: { lines: [id], cards: [], language: 'en' },
      createdAt: '2026-11-23T08:00:00.000Z',
    });
    const ids = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `e${String(from + i).padStart(5, '0')}`);
    const directory = async (store: Store): Promise<string[]> => (await store.collection<IndexDocument>('outbox-index').get('directory'))?.chunks ?? [];

    it('keeps every pending entry in planning order and forgets sent ones, chunk by chunk', async () => {
      const store = await open();
      await store.outbox.enqueue(ids(2500).map((id) => plan(id)));
      await store.outbox.enqueue(ids(3, 2500).map((id) => plan(id, '200')));
      expect(await directory(store)).toHaveLength(4);
      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(ids(2503));

      for (const id of ids(1000)) await store.outbox.markSent(id, '2026-11-23T08:01:00.000Z');
      await store.outbox.markAttempt('e01000', 'unknown channel', true);
      await store.outbox.markAttempt('e01001', 'timeout', false);
      const pending = await store.outbox.pending();
      expect(pending.map((entry) => entry.id)).toEqual(ids(1502, 1001));
      expect(pending[0]).toMatchObject({ id: 'e01001', attempts: 1, lastError: 'timeout' });
      // The first chunk had nothing pending left: it is gone, its document too.
      const chunks = await directory(store);
      expect(chunks).toHaveLength(3);
      expect(await store.collection<IndexDocument>('outbox-index').get('chunk.0')).toBeUndefined();
      // The second one lost the two entries that are done.
      expect((await store.collection<IndexDocument>('outbox-index').get(chunks[0]!))?.ids).toHaveLength(999);
    });

    it('forgets the whole index once everything is sent', async () => {
      const store = await open();
      await store.outbox.enqueue(ids(5).map((id) => plan(id)));
      for (const id of ids(5)) await store.outbox.markSent(id, '2026-11-23T08:01:00.000Z');
      expect(await store.outbox.pending()).toEqual([]);
      expect(await directory(store)).toEqual([]);
      // Planned again: a fresh chunk, and entries already known are not planned twice.
      expect(await store.outbox.enqueue([plan('e00000'), plan('later')])).toHaveLength(1);
      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(['later']);
    });

    it('reads the single pending list that stores written before chunks hold', async () => {
      const store = await open();
      const entries = store.collection<OutboxEntry>('outbox');
      for (const id of ['old-1', 'old-2', 'old-3']) await entries.set(id, { ...plan(id), status: id === 'old-2' ? 'sent' : 'pending', attempts: 0 });
      await store.collection<IndexDocument>('outbox-index').set('pending', { ids: ['old-1', 'old-2', 'old-3'] });

      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(['old-1', 'old-3']);
      await store.outbox.enqueue([plan('new-1')]);
      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(['old-1', 'old-3', 'new-1']);
      await store.outbox.markSent('old-1', '2026-11-23T08:01:00.000Z');
      await store.outbox.markSent('old-3', '2026-11-23T08:01:00.000Z');
      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(['new-1']);
      expect(await store.collection<IndexDocument>('outbox-index').get('pending')).toBeUndefined();
      expect(await directory(store)).toHaveLength(1);
    });
  });
}
