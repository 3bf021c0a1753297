import type { Incident } from '../model/analysis.ts';
import { serverKey, type ChannelSettings } from '../model/channel.ts';
import { isUserFeedId, type UserFeed } from '../store/user-feed-repo.ts';

/**
 * Who an incident may be pushed to (alerts, digests). An incident that a catalogue outlet reports reaches
 * everyone; one known only from outlets that servers added themselves reaches only those servers — a server
 * cannot push stories from a feed of its choosing into everyone else's channels. (`/incidents`, which people
 * ask for, shows the whole history.)
 */
export type Audience = (channel: Pick<ChannelSettings, 'platform' | 'id' | 'guildId'>) => boolean;

export function incidentAudience(incident: Incident, userFeeds: ReadonlyMap<string, UserFeed>): Audience {
  if (!incident.sources.every((source) => isUserFeedId(source.feedId))) return () => true;
  const servers = new Set(incident.sources.flatMap((source) => userFeeds.get(source.feedId)?.servers ?? []));
  return (channel) => {
    const server = serverKey(channel);
    return server !== undefined && servers.has(server);
  };
}

/** The user feeds by id, for incidentAudience. */
export function userFeedMap(feeds: readonly UserFeed[]): Map<string, UserFeed> {
  return new Map(feeds.map((feed) => [feed.feed.id, feed]));
}
