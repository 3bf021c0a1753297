import type { Language } from './feed.ts';

/** The chat platforms the bot speaks; each has an adapter in `src/platforms/<name>/`. */
export type Platform = 'discord' | 'matrix';

/** A channel (Discord) or room (Matrix) the bot posts to, as the core sees it: ids only, no platform types. */
export interface ChannelRef {
  platform: Platform;
  /** The platform's id: a Discord channel snowflake, a Matrix room id. */
  id: string;
}

/** A channel's daily digest: local wall-clock time in an IANA zone. */
export interface DigestSetting {
  /** HH:MM, 24-hour. */
  time: string;
  /** IANA time zone, e.g. Europe/Berlin. */
  timezone: string;
}

/**
 * What the bot keeps about a channel: settings its managers chose, nothing about its members or messages.
 * Absent settings mean "not chosen": the language then follows the server's locale.
 */
export interface ChannelSettings extends ChannelRef {
  /** The Discord server (guild) the channel belongs to; absent on Matrix. */
  guildId?: string;
  /** The language of the bot's own words in this channel; cards keep their article's language. */
  language?: Language;
  /** The server's (or user's) locale as last seen with a command: what the bot speaks when no language was chosen. */
  serverLanguage?: Language;
  /** Company ids whose new incidents reach this channel at once (subsidiaries included). */
  subscriptions: string[];
  digest?: DigestSetting;
  /** When the channel's last digest was built: the next one covers what is new since. */
  lastDigestAt?: string;
  /** False once the platform said the channel is gone or forbids the bot; nothing is sent there then. */
  active: boolean;
  /** Why the platform refused the bot's last message here (set with `refusals`, kept while inactive). */
  inactiveReason?: string;
  /** Definite refusals by the platform in a row (see src/delivery/channel-health.ts); absent after a success. */
  refusals?: number;
  updatedAt: string;
}

/** The key of a channel in the store and in logs: `discord:123…`, `matrix:!room:server`. */
export function channelKey(ref: ChannelRef): string {
  return `${ref.platform}:${ref.id}`;
}

/**
 * The server a channel belongs to, as user-added feeds and forgetting count it: the Discord guild, or the Matrix
 * room itself (rooms have no server above them that the bot sees). Undefined for a Discord DM.
 */
export function serverKey(channel: ChannelRef & { guildId?: string }): string | undefined {
  if (channel.platform === 'matrix') return `matrix:${channel.id}`;
  return channel.guildId === undefined ? undefined : `discord:${channel.guildId}`;
}
