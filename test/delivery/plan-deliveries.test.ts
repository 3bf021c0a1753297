import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { composeDigest, digestWeight, groupDigest } from '../../src/delivery/compose-digest.ts';
import { alertId, planAlerts } from '../../src/delivery/plan-alerts.ts';
import { planDigests } from '../../src/delivery/plan-digests.ts';
import type { Incident } from '../../src/model/analysis.ts';
import type { ChannelRef } from '../../src/model/channel.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { userFeedId } from '../../src/store/user-feed-repo.ts';

/**
 * Planning alerts and digests with a fake clock against a real SQLite store: digests at each channel's local
 * time across daylight-saving changes, alerts for subsidiaries, no incident both alerted and digested, ranking.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'privacy-radar-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const gazetteer = loadGazetteer();

let store: Store;
let counter = 0;
beforeEach(async () => {
  store = await openStore(`sqlite://${path.join(dir, `store-${++counter}.sqlite`)}`);
});
afterEach(async () => {
  await store.close();
});

function incident(id: string, companies: string[], recordedAt: string, extra: Partial<Incident> = {}): Incident {
  const sources = Array.from({ length: extra.sources?.length ?? 1 }, (_, n) => ({
    articleKey: `${id}-${n}`,
    url: `https://news.example/${id}/${n}`,
    title: `${id} report ${n}`,
    outlet: `Outlet ${n}`,
    feedId: `feed-${n}`,
    published: recordedAt,
    language: 'en' as const,
  }));
  return { id, companies, types: ['breach'], title: `Incident ${id}`, summary: `What happened at ${id}.`, language: 'en', firstSeen: recordedAt, lastSeen: recordedAt, recordedAt, ...extra, sources };
}

const planning = (now: Date) => ({ store, gazetteer, now, graceMs: 6 * 3_600_000, announceEmpty: true, prefix: () => '/' });

describe('digests with a fake clock', () => {
  /** Wall times that daylight saving skips or repeats, and a zone without it, each ticked every 5 minutes for three days. */
  const cases = [
    { zone: 'Europe/Berlin', time: '02:30', day: '2026-03-29', expected: '2026-03-29T01:30:00.000Z', why: 'skipped: sent at 03:30 CEST' },
    { zone: 'Europe/Berlin', time: '02:30', day: '2026-10-25', expected: '2026-10-25T00:30:00.000Z', why: 'repeated: sent at the first 02:30' },
    { zone: 'America/New_York', time: '01:30', day: '2026-11-01', expected: '2026-11-01T05:30:00.000Z', why: 'repeated: the first, EDT' },
    { zone: 'America/New_York', time: '08:00', day: '2026-03-08', expected: '2026-03-08T12:00:00.000Z', why: 'morning after the change: EDT' },
    { zone: 'Asia/Kolkata', time: '07:45', day: '2026-03-29', expected: '2026-03-29T02:15:00.000Z', why: 'half-hour offset, no DST' },
  ];

  for (const { zone, time, day, expected, why } of cases) {
    it(`sends one digest a day at ${time} ${zone} around ${day} (${why})`, async () => {
      const ref: ChannelRef = { platform: 'matrix', id: `!${zone.replace('/', '-')}:example.org` };
      await store.channels.update(ref, (settings) => {
        settings.digest = { time, timezone: zone };
        settings.lastDigestAt = new Date(Date.parse(`${day}T00:00:00Z`) - 2 * 86_400_000).toISOString();
      });
      const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
      const planned: { id: string; at: string }[] = [];
      for (let at = start; at < start + 3 * 86_400_000; at += 5 * 60_000) {
        for (const entry of await planDigests(planning(new Date(at)))) planned.push({ id: entry.id, at: entry.createdAt });
      }
      const onTheDay = planned.filter((entry) => entry.id.endsWith(`.${day}`));
      expect(onTheDay).toEqual([{ id: expect.stringMatching(/^digest\./), at: expected }]);
      // One a day, on three consecutive local dates, each about a day after the one before.
      expect(planned).toHaveLength(3);
      expect(new Set(planned.map((entry) => entry.id.slice(-10))).size).toBe(3);
      const gaps = planned.slice(1).map((entry, i) => (Date.parse(entry.at) - Date.parse(planned[i]!.at)) / 3_600_000);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(23);
    });
  }

  it('sends a digest missed while the bot was down, late but once, and not after the grace period', async () => {
    const ref: ChannelRef = { platform: 'discord', id: '700000000000000001' };
    await store.channels.update(ref, (settings) => {
      settings.digest = { time: '08:00', timezone: 'Europe/Berlin' };
      settings.lastDigestAt = '2026-11-22T07:00:00.000Z';
    });
    // Down from 06:00 to 10:00 UTC (07:00–11:00 in Berlin): the 08:00 digest goes out at 10:00, once.
    expect(await planDigests(planning(new Date('2026-11-23T10:00:00Z')))).toHaveLength(1);
    expect(await planDigests(planning(new Date('2026-11-23T10:01:00Z')))).toHaveLength(0);
    // Down the whole next day past the grace period: no backlog.
    expect(await planDigests(planning(new Date('2026-11-24T14:00:00Z')))).toHaveLength(0);
  });
});

describe('alerts and digests together', () => {
  const amazonRoom: ChannelRef = { platform: 'matrix', id: '!amazon:example.org' };
  const NOW = new Date('2026-11-23T08:00:00Z');
  const earlier = '2026-11-23T06:00:00.000Z';

  beforeEach(async () => {
    await store.channels.update(amazonRoom, (settings) => {
      settings.subscriptions = ['amazon'];
      settings.digest = { time: '09:00', timezone: 'Europe/Berlin' };
      settings.lastDigestAt = '2026-11-22T08:00:00.000Z';
    });
  });

  it('alerts an Amazon subscriber about a Ring incident, once, and leaves it out of the digest', async () => {
    const ring = incident('ring-leak', ['ring'], earlier);
    const other = incident('other-leak', ['telefonica'], earlier);
    await store.incidents.put(ring);
    await store.incidents.put(other);
    const alerts = await planAlerts(ring, store, gazetteer, NOW);
    expect(alerts.map((entry) => entry.id)).toEqual([alertId('ring-leak', amazonRoom)]);
    expect(alerts[0]!.message.title).toContain('Amazon');
    expect(await planAlerts(ring, store, gazetteer, NOW)).toEqual([]);
    expect(await planAlerts(other, store, gazetteer, NOW)).toEqual([]);

    const [digest] = await planDigests(planning(NOW));
    expect(digest!.message.cards.map((card) => card.title)).toEqual(['Incident other-leak']);
  });

  it('still shows an incident in the digest when its alert was given up', async () => {
    const twitch = incident('twitch-leak', ['twitch'], earlier);
    await store.incidents.put(twitch);
    await planAlerts(twitch, store, gazetteer, NOW);
    await store.outbox.markAttempt(alertId('twitch-leak', amazonRoom), 'Missing Access', true);
    const [digest] = await planDigests(planning(NOW));
    expect(digest!.message.cards.map((card) => card.title)).toEqual(['Incident twitch-leak']);
  });

  it('keeps stories known only from a server\'s own feed to that server', async () => {
    const blog = userFeedId('https://blog.example/feed');
    await store.userFeeds.add('matrix:!amazon:example.org', { id: blog, name: 'Blog', url: 'https://blog.example/feed', language: 'en', scope: 'general', fullText: true, enabled: true }, 20, earlier);
    const ownStory = incident('own-story', ['telefonica'], earlier);
    ownStory.sources = ownStory.sources.map((source) => ({ ...source, feedId: blog }));
    await store.incidents.put(ownStory);
    const elsewhere: ChannelRef = { platform: 'matrix', id: '!elsewhere:example.org' };
    await store.channels.update(elsewhere, (settings) => {
      settings.digest = { time: '09:00', timezone: 'Europe/Berlin' };
      settings.lastDigestAt = '2026-11-22T08:00:00.000Z';
    });
    const digests = await planDigests(planning(NOW));
    const cardsFor = (ref: ChannelRef) => digests.find((entry) => entry.channel.id === ref.id)?.message.cards.map((card) => card.title) ?? [];
    expect(cardsFor(amazonRoom)).toEqual(['Incident own-story']);
    expect(cardsFor(elsewhere)).toEqual([]);
  });

  it('covers each incident in exactly one digest window: (previous digest, now]', async () => {
    const atPrevious = incident('at-previous', ['telefonica'], '2026-11-22T08:00:00.000Z');
    const inWindow = incident('in-window', ['telefonica'], '2026-11-22T08:00:00.001Z');
    const later = incident('later', ['telefonica'], '2026-11-23T08:00:00.001Z');
    for (const item of [atPrevious, inWindow, later]) await store.incidents.put(item);
    const digest = await composeDigest({ incidents: store.incidents, gazetteer, subscriptions: [], lastDigestAt: '2026-11-22T08:00:00.000Z', now: NOW });
    expect(digest.cards.map((card) => card.title)).toEqual(['Incident in-window']);
    expect(digest.total).toBe(1);
  });

  it('leaves out stories known only from a feed\'s history: old news', async () => {
    await store.incidents.put(incident('backlog', ['telefonica'], '2026-11-23T07:00:00.000Z', { history: true }));
    await store.incidents.put(incident('fresh', ['telefonica'], '2026-11-23T07:30:00.000Z'));
    const digest = await composeDigest({ incidents: store.incidents, gazetteer, subscriptions: ['telefonica'], lastDigestAt: '2026-11-23T00:00:00.000Z', now: NOW });
    expect(digest.cards.map((card) => card.title)).toEqual(['Incident fresh']);
    expect(digest.total).toBe(1);
  });

  it('ranks subscribed companies first, then by relevance and number of sources', async () => {
    const clear = incident('clear', ['telefonica'], earlier, { relevance: 0.95 });
    const widelyReported = incident('widely', ['telefonica'], earlier, { relevance: 0.6, sources: new Array(3) });
    const faint = incident('faint', ['telefonica'], earlier, { relevance: 0.5 });
    const followed = incident('followed', ['twitch'], earlier, { relevance: 0.3 });
    expect(digestWeight(widelyReported)).toBeCloseTo(0.9);
    for (const item of [faint, widelyReported, followed, clear]) await store.incidents.put(item);
    const digest = await composeDigest({ incidents: store.incidents, gazetteer, subscriptions: ['amazon'], lastDigestAt: '2026-11-23T00:00:00.000Z', now: NOW });
    expect(digest.cards.map((card) => card.title)).toEqual(['Incident followed', 'Incident clear', 'Incident widely', 'Incident faint']);
    expect(digest.total).toBe(4);
  });
});

describe('groupDigest', () => {
  it('puts followed companies first, then types shared by two or more cards, then the single ones', () => {
    const ranked = [
      { followed: false, type: 'breach' as const },
      { followed: true, type: 'tracking' as const },
      { followed: false, type: 'enforcement' as const },
      { followed: false, type: 'breach' as const },
      { followed: true, type: 'breach' as const },
      { followed: false, type: undefined },
    ];
    expect(groupDigest(ranked)).toEqual({
      order: [1, 4, 0, 3, 2, 5],
      groups: [
        { kind: 'followed', size: 2 },
        { kind: 'type', type: 'breach', size: 2 },
        { kind: 'other', size: 2 },
      ],
    });
  });

  it('keeps one plain list where a single heading would say nothing', () => {
    const ranked = [
      { followed: false, type: 'breach' as const },
      { followed: false, type: 'tracking' as const },
    ];
    expect(groupDigest(ranked)).toEqual({ order: [0, 1], groups: [] });
    expect(groupDigest([{ followed: true, type: 'breach' }]).groups).toEqual([{ kind: 'followed', size: 1 }]);
  });
});
