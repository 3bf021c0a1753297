import { createHash } from 'node:crypto';
import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import { t } from '../chat/translate.ts';
import type { Incident } from '../model/analysis.ts';
import { channelKey, type ChannelRef } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import type { OutboxEntry, OutboxRepo } from '../store/outbox-repo.ts';
import { incidentAudience, userFeedMap } from './incident-audience.ts';
import { cardFromIncident } from './incident-card.ts';

/**
 * The alerts a new incident causes: one card for every active channel subscribed to one of its companies or to
 * a parent of one (a Ring story reaches an Amazon subscriber), within the incident's audience. The ids are derived from incident and channel, so
 * planning again after a crash plans nothing new. The channel's next digest finds the alert in the outbox and
 * leaves the incident out (see alertedAmong).
 */
export async function planAlerts(incident: Incident, store: Store, gazetteer: Gazetteer, now: Date): Promise<OutboxEntry[]> {
  const followed = [...new Set(incident.companies.flatMap((id) => [id, ...gazetteer.ancestors(id)]))];
  const channels = await store.channels.subscribersOf(followed);
  const audience = incidentAudience(incident, userFeedMap(await store.userFeeds.all()));
  const planned: Omit<OutboxEntry, 'status' | 'attempts'>[] = [];
  for (const ref of channels) {
    const settings = await store.channels.get(ref);
    if (!settings?.active || !audience(settings)) continue;
    const matched = settings.subscriptions.find((id) => followed.includes(id));
    const language = settings.language ?? settings.serverLanguage ?? 'en';
    planned.push({
      id: alertId(incident.id, ref),
      channel: { platform: ref.platform, id: ref.id },
      kind: 'alert',
      message: {
        title: t(language, 'alert.title', { company: gazetteer.get(matched ?? '')?.name ?? matched ?? '' }),
        lines: [],
        cards: [cardFromIncident(incident, gazetteer)],
        language,
      },
      createdAt: now.toISOString(),
    });
  }
  return store.outbox.enqueue(planned);
}

/** The outbox id of an incident's alert to a channel. */
export function alertId(incidentId: string, channel: ChannelRef): string {
  return `alert.${incidentId}.${shortHash(channelKey(channel))}`;
}

/**
 * Which of these incidents a channel got (or is about to get) as an alert: a digest leaves them out. Read from
 * the outbox itself, so that no crash can separate "alert planned" from "digest knows". An alert that was
 * given up (the channel refused it) does not count: the digest still shows the incident.
 */
export function alertedAmong(outbox: Pick<OutboxRepo, 'getMany'>, channel: ChannelRef): (incidentIds: string[]) => Promise<Set<string>> {
  return async (incidentIds) => {
    const entries = incidentIds.length === 0 ? [] : await outbox.getMany(incidentIds.map((id) => alertId(id, channel)));
    return new Set(incidentIds.filter((_, i) => entries[i] !== undefined && entries[i].status !== 'failed'));
  };
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
