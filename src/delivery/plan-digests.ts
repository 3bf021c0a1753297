import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import { shortDate } from '../chat/relative-time.ts';
import { t } from '../chat/translate.ts';
import { channelKey, type ChannelRef, type ChannelSettings, type DigestSetting } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import type { OutboxEntry } from '../store/outbox-repo.ts';
import type { UserFeed } from '../store/user-feed-repo.ts';
import { composeDigest, digestSections } from './compose-digest.ts';
import { dueDigestSlot } from './digest-schedule.ts';
import { incidentAudience, userFeedMap } from './incident-audience.ts';
import { alertedAmong, shortHash } from './plan-alerts.ts';

export interface DigestPlanning {
  store: Store;
  gazetteer: Gazetteer;
  now: Date;
  /** How late a missed digest may still be sent. */
  graceMs: number;
  /** Say "nothing new" instead of staying silent on a quiet day. */
  announceEmpty: boolean;
  prefix: (platform: string) => string;
}

/** Channels whose settings are read in one go: a few round trips for thousands of channels, memory bounded. */
const CHANNELS_PER_READ = 500;

/**
 * One minute's digests: every channel with a digest setting whose local time has come gets its digest built —
 * what was recorded since its previous digest, minus what it already got as alerts — and put in the outbox under
 * an id made of channel and local date, so that a day's digest is built once even if the bot restarts between
 * building and sending. The channel's `lastDigestAt` moves on after the entry is recorded.
 *
 * The tick reads every digest channel each minute, CHANNELS_PER_READ at a time; with the schedule's remembered
 * zone arithmetic that is a few hundred milliseconds for 10,000 channels (bench/idle-footprint.ts).
 */
export async function planDigests(planning: DigestPlanning): Promise<OutboxEntry[]> {
  const { store } = planning;
  const planned: OutboxEntry[] = [];
  const userFeeds = userFeedMap(await store.userFeeds.all());
  const refs = await store.channels.digestChannels();
  for (let start = 0; start < refs.length; start += CHANNELS_PER_READ) {
    const batch = refs.slice(start, start + CHANNELS_PER_READ);
    const settings = await store.channels.getMany(batch);
    for (const [i, ref] of batch.entries()) {
      const channel = settings[i];
      if (!channel?.digest || !channel.active) continue;
      const slot = dueDigestSlot(channel.digest, channel.lastDigestAt, planning.now, planning.graceMs);
      if (slot) planned.push(...(await planChannelDigest(planning, ref, { ...channel, digest: channel.digest }, slot.localDate, userFeeds)));
    }
  }
  return planned;
}

/** Builds and records one channel's digest for a local date (unless recorded before), then moves its `lastDigestAt`. */
async function planChannelDigest(
  planning: DigestPlanning,
  ref: ChannelRef,
  settings: ChannelSettings & { digest: DigestSetting },
  localDate: string,
  userFeeds: ReadonlyMap<string, UserFeed>,
): Promise<OutboxEntry[]> {
  const { store, now } = planning;
  const planned: OutboxEntry[] = [];
  const id = `digest.${shortHash(channelKey(ref))}.${localDate}`;
  if (!(await store.outbox.get(id))) {
    const language = settings.language ?? settings.serverLanguage ?? 'en';
    const digest = await composeDigest({
      incidents: store.incidents,
      gazetteer: planning.gazetteer,
      subscriptions: settings.subscriptions,
      exclude: alertedAmong(store.outbox, ref),
      visible: (incident) => incidentAudience(incident, userFeeds)(settings),
      ...(settings.lastDigestAt ? { lastDigestAt: settings.lastDigestAt } : {}),
      now,
    });
    const since = shortDate(digest.since, language, settings.digest.timezone);
    if (digest.total > 0 || planning.announceEmpty) {
      const lines = digest.total === 0 ? [t(language, 'digest.nothingNew', { date: since })] : [t(language, 'digest.since', { date: since })];
      if (digest.total > digest.cards.length) lines.push(t(language, 'digest.more', { count: digest.total - digest.cards.length, prefix: planning.prefix(ref.platform) }));
      const title = digest.total === 1 ? t(language, 'digest.titleOne') : t(language, 'digest.title', { count: digest.total });
      planned.push(
        ...(await store.outbox.enqueue([
          { id, channel: { platform: ref.platform, id: ref.id }, kind: 'digest', message: { title, lines, cards: digest.cards, language, ...(digest.groups.length > 0 ? { sections: digestSections(digest.groups, language) } : {}) }, createdAt: now.toISOString() },
        ])),
      );
    }
  }
  await store.channels.update(ref, (channel) => {
    channel.lastDigestAt = now.toISOString();
  });
  return planned;
}
