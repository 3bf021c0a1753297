import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelUnavailableError, type ChannelMessage } from '../../src/chat/command.ts';
import { leaseChannelClaims } from '../../src/delivery/channel-claims.ts';
import { DEACTIVATE_AFTER_REFUSALS } from '../../src/delivery/channel-health.ts';
import { CHANNELS_IN_FLIGHT, sendOutbox, type DeliverySender, type OutboxSending } from '../../src/delivery/send-outbox.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import type { ChannelRef } from '../../src/model/channel.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';

/**
 * Sending the outbox through a real SQLite store: order, fairness between channels, channels that refuse the
 * bot, and two instances on one store. The sender is the platform's edge, scripted per test.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-send-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (title: string): ChannelMessage => ({ title, lines: [], cards: [], language: 'en' });
const channel = (n: number): ChannelRef => ({ platform: 'discord', id: String(500_000_000_000_000_000n + BigInt(n)) });
const NOW = new Date('2026-11-23T08:00:00Z');

let store: Store;
let file: string;
let counter = 0;
beforeEach(async () => {
  file = path.join(dir, `store-${++counter}.sqlite`);
  store = await openStore(`sqlite://${file}`, { instanceId: 'instance-a' });
});
afterEach(async () => {
  await store.close();
});

/** Puts `perChannel` entries for each channel in the outbox (titles `<channel>#<n>`), and active settings for each. */
async function plan(target: Store, channels: ChannelRef[], perChannel = 1): Promise<void> {
  for (const ref of channels) await target.channels.update(ref, () => {});
  await target.outbox.enqueue(
    channels.flatMap((ref) =>
      Array.from({ length: perChannel }, (_, n) => ({
        id: `alert.${ref.id}.${n}`,
        channel: ref,
        kind: 'alert' as const,
        message: message(`${ref.id}#${n}`),
        createdAt: NOW.toISOString(),
      })),
    ),
  );
}

function recordingSender(): { send: DeliverySender; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send: async (_channel, delivered) => {
      sent.push(delivered.title ?? '');
    },
  };
}

const sending = (target: Store, send: DeliverySender, extra: Partial<OutboxSending> = {}): OutboxSending => ({
  outbox: target.outbox,
  channels: target.channels,
  send,
  log: silentLogger,
  now: () => NOW,
  ...extra,
});

describe('sendOutbox', () => {
  it('sends each channel\'s entries in order, marks them, and sends nothing again', async () => {
    await plan(store, [channel(1), channel(2)], 3);
    const { send, sent } = recordingSender();
    expect(await sendOutbox(sending(store, send))).toEqual({ sent: 6, failed: 0, elsewhere: 0 });
    const one = channel(1).id;
    expect(sent.filter((title) => title.startsWith(one))).toEqual([`${one}#0`, `${one}#1`, `${one}#2`]);
    expect((await store.outbox.get(`alert.${one}.2`))?.status).toBe('sent');
    expect(await sendOutbox(sending(store, send))).toEqual({ sent: 0, failed: 0, elsewhere: 0 });
    expect(sent).toHaveLength(6);
  });

  it('serves at most CHANNELS_IN_FLIGHT channels at once, and a stuck channel holds up only itself', async () => {
    const channels = Array.from({ length: 250 }, (_, n) => channel(n));
    await plan(store, channels);
    let inFlight = 0;
    let most = 0;
    let releaseStuck: () => void = () => {};
    const stuck = new Promise<void>((resolve) => (releaseStuck = resolve));
    const sent = new Set<string>();
    const send: DeliverySender = async (ref) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (ref.id === channels[0]!.id) await stuck;
      else await new Promise((resolve) => setTimeout(resolve, 2));
      sent.add(ref.id);
      inFlight -= 1;
    };
    const round = sendOutbox(sending(store, send));
    // Everyone else arrives while the first channel's platform does not answer.
    await expect.poll(() => sent.size, { timeout: 10_000 }).toBe(249);
    expect(sent.has(channels[0]!.id)).toBe(false);
    releaseStuck();
    expect((await round).sent).toBe(250);
    // Side by side, but bounded (a slot also covers the store reads around a send, so not every slot is sending).
    expect(most).toBeLessThanOrEqual(CHANNELS_IN_FLIGHT);
    expect(most).toBeGreaterThan(CHANNELS_IN_FLIGHT / 2);
  });

  it('deactivates a channel after repeated refusals, gives up its entries, and says so in the log', async () => {
    await plan(store, [channel(1)], 3);
    await plan(store, [channel(2)]);
    const lines: string[] = [];
    const log = createLogger('info', 'json', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const refusing: DeliverySender = async (ref, delivered) => {
      if (ref.id === channel(1).id) throw new ChannelUnavailableError(`Discord channel ${ref.id}: Missing Access (403/50001)`);
      lines.push(`delivered ${delivered.title}`);
    };
    for (let round = 1; round < DEACTIVATE_AFTER_REFUSALS; round += 1) {
      expect((await sendOutbox(sending(store, refusing, { log }))).failed).toBe(1);
      const settings = await store.channels.get(channel(1));
      expect(settings).toMatchObject({ active: true, refusals: round });
      // Only the first entry was tried: the channel's others wait for the next round.
      expect((await store.outbox.get(`alert.${channel(1).id}.1`))?.attempts).toBe(0);
    }
    expect((await sendOutbox(sending(store, refusing, { log }))).failed).toBe(3);
    expect(await store.channels.get(channel(1))).toMatchObject({ active: false, inactiveReason: expect.stringContaining('Missing Access') });
    expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual([]);
    expect((await store.outbox.get(`alert.${channel(1).id}.2`))?.status).toBe('failed');
    expect(lines.filter((line) => line.includes('channel deactivated after 3 refusals'))).toHaveLength(1);
    expect(lines).toContain(`delivered ${channel(2).id}#0`);
  });

  it('forgives a refusal once a message goes through', async () => {
    await plan(store, [channel(1)], 2);
    let refuse = true;
    const flaky: DeliverySender = async () => {
      if (refuse) throw new ChannelUnavailableError('Missing Permissions');
    };
    await sendOutbox(sending(store, flaky));
    expect((await store.channels.get(channel(1)))?.refusals).toBe(1);
    refuse = false;
    expect((await sendOutbox(sending(store, flaky))).sent).toBe(2);
    const settings = await store.channels.get(channel(1));
    expect(settings?.refusals).toBeUndefined();
    expect(settings?.active).toBe(true);
  });

  it('retries other failures next round and gives up after the last attempt', async () => {
    await plan(store, [channel(1)]);
    const failing: DeliverySender = async () => {
      throw new Error('HTTP 500');
    };
    for (let round = 0; round < 8; round += 1) await sendOutbox(sending(store, failing));
    const entry = await store.outbox.get(`alert.${channel(1).id}.0`);
    expect(entry).toMatchObject({ status: 'failed', attempts: 8, lastError: 'HTTP 500' });
    expect((await store.channels.get(channel(1)))?.active).toBe(true);
  });
});

describe('sendOutbox with two instances on one store', () => {
  let other: Store;
  beforeEach(async () => {
    other = await openStore(`sqlite://${file}`, { instanceId: 'instance-b' });
  });
  afterEach(async () => {
    await other.close();
  });

  it('leaves a channel another instance is delivering to, and never resends what it sent meanwhile', async () => {
    await plan(store, [channel(1), channel(2)], 2);
    const claimsA = leaseChannelClaims(store.leases, store.instanceId, 10_000);
    const claimsB = leaseChannelClaims(other.leases, other.instanceId, 10_000);
    // Instance B holds channel 1 and sends its first entry; A's round (which read the list before) must skip it.
    const heldByB = await claimsB(channel(1));
    expect(heldByB).toBeDefined();
    const { send: sendA, sent: sentByA } = recordingSender();
    expect(await sendOutbox(sending(store, sendA, { claimChannel: claimsA }))).toMatchObject({ sent: 2, elsewhere: 1 });
    expect(sentByA.every((title) => title.startsWith(channel(2).id))).toBe(true);
    await other.outbox.markSent(`alert.${channel(1).id}.0`, NOW.toISOString());
    await heldByB!.release();
    expect(await sendOutbox(sending(store, sendA, { claimChannel: claimsA }))).toMatchObject({ sent: 1, elsewhere: 0 });
    expect(sentByA.at(-1)).toBe(`${channel(1).id}#1`);
  });

  it('stops sending when its claim ran out (the instance stalled), before the next message', async () => {
    await plan(store, [channel(1)], 3);
    let clock = 0;
    const claims = leaseChannelClaims(store.leases, store.instanceId, 60_000, () => clock);
    const titles: string[] = [];
    const stalling: DeliverySender = async (_ref, delivered) => {
      titles.push(delivered.title ?? '');
      clock += 61_000; // this send took longer than the lease: another instance may have taken over
    };
    expect((await sendOutbox(sending(store, stalling, { claimChannel: claims }))).sent).toBe(1);
    expect(titles).toEqual([`${channel(1).id}#0`]);
    expect((await store.outbox.pending()).map((entry) => entry.id)).toEqual([`alert.${channel(1).id}.1`, `alert.${channel(1).id}.2`]);
  });
});
