import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Card } from '../model/card.ts';
import type { ChannelRef, ChannelSettings } from '../model/channel.ts';
import type { FeedConfig, Language } from '../model/feed.ts';
import type { FeedProbe } from '../ingest/probe-feed.ts';
import type { Store } from '../store/open-store.ts';

/**
 * The platform-neutral shape of a chat command. Every file in `commands/` exports one `CommandDefinition`;
 * the Discord adapter turns it into a slash command, the Matrix adapter into `!name args`. Nothing here
 * knows a platform type: the adapters translate definitions in and replies out.
 */

/** A text in both languages the bot speaks. */
export type Localised = Record<Language, string>;

/** Who may run a command. */
export type Access = 'everyone' | 'managers';

/** Where a command makes sense: channel settings need a channel, not a direct message. */
export type Scope = 'anywhere' | 'channels';

export interface Choice {
  value: string;
  label: Localised;
}

interface OptionBase {
  /** Lowercase, as typed: `company`, `type`, `since`. */
  name: string;
  description: Localised;
  required?: boolean;
}

export interface StringOption extends OptionBase {
  kind: 'string';
  maxLength?: number;
  /** Fixed choices (a menu on Discord; one of these words on Matrix). */
  choices?: Choice[];
  /** On text platforms (Matrix), takes every remaining word that is not a flag: `!incidents deutsche telekom`. */
  restOfLine?: boolean;
  /** Suggestions while typing (Discord autocomplete). At most 25, best first. */
  autocomplete?: (typed: string, context: CommandContext, services: ChatServices) => Promise<AutocompleteChoice[]>;
}

export interface IntegerOption extends OptionBase {
  kind: 'integer';
  min?: number;
  max?: number;
}

export type OptionDefinition = StringOption | IntegerOption;

export interface AutocompleteChoice {
  /** What the user sees, at most 100 characters. */
  label: string;
  /** What the option receives, at most 100 characters. */
  value: string;
}

/** Option values as the handler receives them: validated against the definition. */
export type OptionValues = Record<string, string | number | undefined>;

/** A command, or one subcommand of a command with subcommands (`/digest daily|off|now`). */
export interface CommandAction {
  options: OptionDefinition[];
  handle(input: CommandInput): Promise<Reply>;
}

export interface Subcommand extends CommandAction {
  name: string;
  description: Localised;
  /** Stricter than the command's own: `/feeds` is for everyone, `/feeds add` for managers in a channel. */
  access?: Access;
  scope?: Scope;
}

interface CommandBase {
  name: string;
  description: Localised;
  access: Access;
  scope: Scope;
  /** One line per usage for help texts, without the prefix: `incidents <company> [--type T]`. */
  usage: string[];
}

export type CommandDefinition =
  | (CommandBase & CommandAction & { subcommands?: undefined })
  | (CommandBase & {
      subcommands: Subcommand[];
      /** The subcommand a text command without one means: `!digest 08:00` is `!digest daily 08:00`. */
      defaultSubcommand?: string;
    });

/** Where a text platform puts words that no option takes (`!feeds please`): never an option name. */
export const EXTRA_WORDS = '_words';

/** A command as a user (or a button) asked for it. */
export interface Invocation {
  command: string;
  subcommand?: string;
  options: Record<string, string | number>;
}

/** Where and by whom a command was given, as the adapter saw it. */
export interface CommandContext {
  channel: ChannelRef & { guildId?: string; isDirect: boolean };
  /** Whether the user may change this channel's settings (Discord: Manage Channels; Matrix: power level). */
  isManager: boolean;
  /** The language to answer in: the channel's choice, else the server's (or the user's) locale. */
  language: Language;
  /** The channel's stored settings, if any (never for direct messages). */
  settings?: ChannelSettings;
  /** How commands are written on this platform: `/` on Discord, `!` on Matrix. */
  prefix: string;
  /** What a manager needs here, in words: "the Manage Channels permission", "power level 50". */
  managerRequirement: Localised;
}

export interface CommandInput {
  options: OptionValues;
  context: CommandContext;
  services: ChatServices;
  /** Every command the bot offers (for help texts). */
  commands: readonly CommandDefinition[];
}

/** What commands read and change: the store and the curated data. Shared by every platform. */
export interface ChatServices {
  store: Store;
  gazetteer: Gazetteer;
  /** The outlets the bot reads (enabled ones). */
  feeds: FeedConfig[];
  version: string;
  /** Where to read more and report problems. */
  homepage: string;
  /** Where `/digest daily` falls back to when no zone (or time, HH:MM) is given: DIGEST_DEFAULT_TZ, DIGEST_DEFAULT_TIME. */
  defaultTimezone: string;
  defaultDigestTime: string;
  now(): Date;
  /** Fetches a URL a user gave once and reads it as a feed (public addresses only, unless configured). */
  probeFeed(url: string): Promise<FeedProbe>;
  /** How many feeds of its own a server may add (USER_FEEDS_PER_SERVER); 0 turns `/feeds add` off. */
  userFeedLimit: number;
  /** What `/about` tells about keeping data: RETENTION_DAYS (0: no limit) and FORGET_AFTER_DAYS. Absent: the defaults. */
  retention?: { days: number; forgetAfterDays: number };
  /** Posts a message (a digest preview) to a channel, outside the command's own reply. */
  post(channel: ChannelRef, message: ChannelMessage): Promise<void>;
}

/** A button under a reply: runs another invocation (next page, a suggested company). */
export interface ReplyAction {
  label: string;
  invocation: Invocation;
  disabled?: boolean;
}

/**
 * What a command answers. Everything is plain text: adapters escape it for their medium, so user input
 * quoted in an answer ("no company called …") can never turn into markup or a mention.
 */
export interface Reply {
  /** Shown emphasised (bold on Discord, a heading on Matrix). */
  title?: string;
  /** Paragraphs or list lines, in order. */
  lines: string[];
  cards?: Card[];
  actions?: ReplyAction[];
  /** Only the person who asked sees it (Discord ephemeral); used for refusals and mistakes. */
  private?: boolean;
  /** The language of the bot's words in it (labels on cards too); the runner fills in the channel's. */
  language?: Language;
}

/** A message the bot posts to a channel on its own: a digest, an alert. */
export interface ChannelMessage {
  title?: string;
  lines: string[];
  cards: Card[];
  /**
   * Headings over consecutive runs of `cards` (a digest grouped by company or type); the sizes add up to the
   * number of cards. Absent: one plain list.
   */
  sections?: { heading: string; size: number }[];
  /** The cards' framing language (labels such as "Sources"). */
  language: Language;
}

/** The platform says the bot cannot post to a channel (gone, or no permission); the channel is marked inactive. */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
}
