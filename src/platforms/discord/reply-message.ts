import { ButtonStyle, ComponentType, MessageFlags, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import type { ChannelMessage, Reply } from '../../chat/command.ts';
import { encodeInvocation } from '../../chat/invocation-codec.ts';
import type { Card } from '../../model/card.ts';
import type { Language } from '../../model/feed.ts';
import { cardEmbed, EMBED_LIMITS } from './card-embed.ts';
import { escapeMarkdown, truncate } from './escape-markdown.ts';

/** Discord's limits on one message. */
const MAX_CONTENT = 2000;
const MAX_EMBEDS = 10;
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;

/** A message body as Discord's REST API takes it; never pings anyone. */
export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: [] };
  flags?: number;
}

/** A command's reply as a Discord message: text as content, cards as embeds, actions as buttons. */
export function replyMessage(reply: Reply, language: Language): DiscordMessage {
  return {
    content: content(reply.title, reply.lines),
    embeds: embeds(reply.cards ?? [], language),
    components: buttonRows(reply),
    allowed_mentions: { parse: [] },
    ...(reply.private ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

/** A message the bot posts on its own (a digest): up to ten cards in one message. */
export function channelMessage(message: ChannelMessage): DiscordMessage {
  // A section's heading names the first embed of its run (as the embed's author line, which Discord shows as
  // plain text): Discord has no headings between embeds. Headings are the bot's own words.
  const headings = (message.sections ?? []).map((section) => ({ ...section, heading: truncate(section.heading, EMBED_LIMITS.fieldName) }));
  const cards = embeds(message.cards, message.language, headings.reduce((sum, section) => sum + section.heading.length, 0));
  let first = 0;
  for (const section of headings) {
    const embed = cards[first];
    if (embed) embed.author = { name: section.heading };
    first += section.size;
  }
  return { content: content(message.title, message.lines), embeds: cards, components: [], allowed_mentions: { parse: [] } };
}

/** The bot's words, markdown-escaped (they may quote user input), the title in bold; cut to 2,000 characters. */
function content(title: string | undefined, lines: readonly string[]): string {
  const parts = [...(title ? [`**${escapeMarkdown(title)}**`] : []), ...lines.map(escapeMarkdown)];
  const text = parts.join('\n').trim();
  return text === '' ? '\u200b' : truncate(text, MAX_CONTENT);
}

/** Cards as embeds sharing Discord's 6,000-character budget per message (less `reserved` for headings). */
function embeds(cards: readonly Card[], language: Language, reserved = 0): APIEmbed[] {
  const shown = cards.slice(0, MAX_EMBEDS);
  const budget = Math.floor((EMBED_LIMITS.total - reserved) / Math.max(1, shown.length));
  return shown.map((card) => cardEmbed(card, language, budget));
}

/** Actions as buttons, five to a row; an action whose invocation does not fit a custom id is left out. */
function buttonRows(reply: Reply): APIActionRowComponent<APIButtonComponent>[] {
  const buttons: APIButtonComponent[] = [];
  for (const action of reply.actions ?? []) {
    const customId = encodeInvocation(action.invocation);
    if (customId === undefined) continue;
    buttons.push({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label: truncate(action.label, 80),
      custom_id: customId,
      disabled: action.disabled === true,
    });
  }
  // Discord wants custom ids unique within a message: disabled duplicates (page 1's "Previous") differ by page.
  const unique = buttons.filter((button, i) => buttons.findIndex((b) => 'custom_id' in b && 'custom_id' in button && b.custom_id === button.custom_id) === i);
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let start = 0; start < unique.length && rows.length < MAX_ROWS; start += BUTTONS_PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: unique.slice(start, start + BUTTONS_PER_ROW) });
  }
  return rows;
}
