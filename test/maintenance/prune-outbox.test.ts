import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { OUTBOX_KEEP_DAYS, runMaintenance } from '../../src/maintenance/run-maintenance.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * The outbox is not history: sent and given-up deliveries go OUTBOX_KEEP_DAYS after they were planned, pending ones
 * stay until they are sent, on every backend.
 */

const DAY_MS = 24 * 3_600_000;
const NOW = new Date('2026-11-23T03:17:00.000Z');
const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-prune-outbox-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

for (const backend of storeBackends(path.join(sqliteDir, 'outbox.sqlite'))) {
  describe.skipIf(backend.url === undefined)(`outbox pruning: ${backend.title}`, () => {
    const prefix = randomPrefix();
    let store: Store;
    beforeAll(async () => {
      store = await openStore(backend.url ?? '', { prefix });
      return async () => {
        await store.close();
        await backend.purge(backend.url ?? '', [prefix]);
      };
    });

    const plan = (id: string, daysAgo: number) => ({
      id,
      channel: { platform: 'discord' as const, id: '100' },
      kind: 'alert' as const,
      message: { lines: [], cards: [], language: 'en' as const },
      createdAt: new Date(NOW.getTime() - daysAgo * DAY_MS).toISOString(),
    });

    it('deletes old delivered entries and keeps recent and pending ones', async () => {
      await store.outbox.enqueue([plan('old-sent', OUTBOX_KEEP_DAYS + 6), plan('old-failed', OUTBOX_KEEP_DAYS + 6), plan('old-pending', OUTBOX_KEEP_DAYS + 6), plan('recent-sent', 1)]);
      await store.outbox.markSent('old-sent', NOW.toISOString());
      await store.outbox.markAttempt('old-failed', 'Missing Access', true);
      await store.outbox.markSent('recent-sent', NOW.toISOString());

      const report = await runMaintenance(store, { retentionDays: 90, forgetAfterDays: 30 }, NOW, silentLogger);
      expect(report.deliveriesDeleted).toBe(2);
      expect(await store.outbox.get('old-sent')).toBeUndefined();
      expect(await store.outbox.get('old-failed')).toBeUndefined();
      expect((await store.outbox.get('old-pending'))?.status).toBe('pending');
      expect((await store.outbox.get('recent-sent'))?.status).toBe('sent');
      expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual(['old-pending']);

      // Sent later, the pending one (filed again under the day of that run) goes OUTBOX_KEEP_DAYS after that run.
      await store.outbox.markSent('old-pending', NOW.toISOString());
      const later = new Date(NOW.getTime() + (OUTBOX_KEEP_DAYS + 1) * DAY_MS);
      expect((await runMaintenance(store, { retentionDays: 90, forgetAfterDays: 30 }, later, silentLogger)).deliveriesDeleted).toBe(2);
      expect(await store.outbox.get('old-pending')).toBeUndefined();
      expect(await store.outbox.get('recent-sent')).toBeUndefined();
    });
  });
}
