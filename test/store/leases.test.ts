import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { createStoreLock, StoreLockTimeoutError } from '../../src/store/store-lock.ts';
import { randomPrefix, storeBackends } from '../support/store-backends.ts';

/**
 * Leases and the store lock on every backend, with two store handles on one database standing for two bot
 * instances (each its own connection and instance id).
 */
const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-leases-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of storeBackends(path.join(sqliteDir, 'leases.sqlite'))) {
  describe.skipIf(backend.url === undefined)(`leases: ${backend.title}`, () => {
    const url = backend.url ?? '';
    const prefix = randomPrefix();
    const otherPrefix = randomPrefix();
    let a: Store;
    let b: Store;
    let elsewhere: Store;

    beforeAll(async () => {
      a = await openStore(url, { prefix, instanceId: 'instance-a' });
      b = await openStore(url, { prefix, instanceId: 'instance-b' });
      elsewhere = await openStore(url, { prefix: otherPrefix, instanceId: 'instance-b' });
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close(), elsewhere?.close()]);
      await backend.purge(url, [prefix, otherPrefix]);
    });

    it('gives a lease to one holder until it is released, and lets the holder extend it', async () => {
      expect(await a.leases.acquire('poll.heise', a.instanceId, 10_000)).toBe(true);
      expect(await b.leases.acquire('poll.heise', b.instanceId, 10_000)).toBe(false);
      expect(await a.leases.acquire('poll.heise', a.instanceId, 10_000)).toBe(true);
      await b.leases.release('poll.heise', b.instanceId); // not b's: changes nothing
      expect(await b.leases.acquire('poll.heise', b.instanceId, 10_000)).toBe(false);
      await a.leases.release('poll.heise', a.instanceId);
      expect(await b.leases.acquire('poll.heise', b.instanceId, 10_000)).toBe(true);
      expect(await a.leases.acquire('poll.heise', a.instanceId, 10_000)).toBe(false);
    });

    it('lets another holder take a lease that ran out (its holder died)', async () => {
      expect(await a.leases.acquire('deliver.discord:1', a.instanceId, 250)).toBe(true);
      expect(await b.leases.acquire('deliver.discord:1', b.instanceId, 10_000)).toBe(false);
      await sleep(400);
      expect(await b.leases.acquire('deliver.discord:1', b.instanceId, 10_000)).toBe(true);
      expect(await a.leases.acquire('deliver.discord:1', a.instanceId, 250)).toBe(false);
    });

    it('never gives one lease to both of two racing instances', async () => {
      for (let round = 0; round < 10; round += 1) {
        const name = `race.${round}`;
        const attempts = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b)).map(async (store) => ({
            holder: store.instanceId,
            won: await store.leases.acquire(name, store.instanceId, 10_000),
          })),
        );
        const winners = new Set(attempts.filter((attempt) => attempt.won).map((attempt) => attempt.holder));
        expect(winners.size).toBe(1);
      }
    });

    it('keeps the leases of stores with different prefixes apart', async () => {
      expect(await a.leases.acquire('poll.golem', a.instanceId, 10_000)).toBe(true);
      expect(await elsewhere.leases.acquire('poll.golem', elsewhere.instanceId, 10_000)).toBe(true);
    });

    it('serialises read-modify-write across instances: no increment is lost', async () => {
      const counterA = a.collection<{ n: number }>('counter');
      const counterB = b.collection<{ n: number }>('counter');
      const increment = async (counter: typeof counterA): Promise<void> => {
        const current = (await counter.get('n'))?.n ?? 0;
        await sleep(1); // widen the window a lost update would need
        await counter.set('n', { n: current + 1 });
      };
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0 ? a.exclusive('counter', () => increment(counterA)) : b.exclusive('counter', () => increment(counterB)),
        ),
      );
      expect((await counterA.get('n'))?.n).toBe(40);
    });

    it('waits out a lock whose holder died, and gives up on one that stays busy', async () => {
      // A holder that took the lock and vanished: its lease runs out after 300 ms.
      expect(await a.leases.acquire('lock.settings', 'vanished-instance', 300)).toBe(true);
      const lock = createStoreLock(b.leases, b.instanceId, { ttlMs: 5_000 });
      const started = Date.now();
      expect(await lock('settings', async () => 'done')).toBe('done');
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);

      expect(await a.leases.acquire('lock.busy', 'other-instance', 60_000)).toBe(true);
      const impatient = createStoreLock(b.leases, b.instanceId, { ttlMs: 5_000, waitMs: 300 });
      await expect(impatient('busy', async () => 'never')).rejects.toBeInstanceOf(StoreLockTimeoutError);
    });

    it('releases a lock when the work fails, and the next caller gets it', async () => {
      await expect(a.exclusive('fragile', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await b.leases.acquire('lock.fragile', b.instanceId, 1_000)).toBe(true);
    });

    it('lets work that holds a lock take it again further down, while other callers still wait', async () => {
      const order: string[] = [];
      const outer = a.exclusive('nested', async () => {
        order.push('outer start');
        // Reentrant: the inner call runs at once instead of waiting for the outer one (which would never end).
        await a.exclusive('nested', async () => order.push('inner'));
        await sleep(30);
        order.push('outer end');
      });
      const other = a.exclusive('nested', async () => order.push('other'));
      await Promise.all([outer, other]);
      expect(order).toEqual(['outer start', 'inner', 'outer end', 'other']);
    });
  });
}
