import { createHash } from 'node:crypto';
import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import { t } from '../chat/translate.ts';
import type { Incident } from '../model/analysis.ts';
import { channelKey } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';
import type { OutboxEntry } from '../store/outbox-repo.ts';
import { cardFromIncident } from './incident-card.ts';

/**
 * The alerts a new incident causes: one card for every active channel subscribed to one of its companies or to
 * a parent of one (a Ring story reaches an Amazon subscriber). The ids are derived from incident and channel, so
 * planning again after a crash plans nothing new. The channels remember the incident, so their next digest
 * leaves it out.
 */
export async function planAlerts(incident: Incident, store: Store, gazetteer: Gazetteer, now: Date): Promise<OutboxEntry[]> {
  const followed = [...new Set(incident.companies.flatMap((id) => [id, ...gazetteer.ancestors(id)]))];
  const channels = await store.channels.subscribersOf(followed);
  const planned: Omit<OutboxEntry, 'status' | 'attempts'>[] = [];
  for (const ref of channels) {
    const settings = await store.channels.get(ref);
    if (!settings?.active) continue;
    const matched = settings.subscriptions.find((id) => followed.includes(id));
    const language = settings.language ?? settings.serverLanguage ?? 'en';
    planned.push({
      id: `alert.${incident.id}.${shortHash(channelKey(ref))}`,
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
  const fresh = await store.outbox.enqueue(planned);
  for (const entry of fresh) {
    await store.channels.update(entry.channel, (channel) => {
      channel.alertedIncidents = [...(channel.alertedIncidents ?? []), incident.id];
    });
  }
  return fresh;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
