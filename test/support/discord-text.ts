import type { APIEmbed } from 'discord.js';
import type { SentMessage } from '../stand-ins/discord-server.ts';

/** How the Discord tests read what the bot sent: escaping checks, and the text as a reader sees it. */

/** Characters Discord's markdown gives a meaning inside a line; `<` also opens every mention syntax. */
const SPECIAL = new Set('*_~`|<>[]()#'.split(''));

/** The special characters in `text` that are not backslash-escaped. */
export function unescapedSpecials(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (SPECIAL.has(text[i]!)) found.push(text[i]!);
  }
  return found;
}

/** Lines that Discord would render as a heading, list item, sub-text or quote. */
export function blockSyntaxLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s*([-+*]|\d+\.)\s/.test(line) || /^\s*(#|>|-#)/.test(line));
}

/** What a reader sees: Discord drops the backslash before an escaped character. */
export function plain(text: string | undefined): string {
  return (text ?? '').replace(/\\(.)/gs, '$1');
}

/** The titles of a sent message's embeds, as a reader sees them. */
export function embedTitles(sent: SentMessage): string[] {
  return ((sent.message.embeds ?? []) as { title?: string }[]).map((embed) => plain(embed.title));
}

/** An alert as the bot sends it, in either language. */
export const isAlert = (sent: SentMessage): boolean => /New incident|Neuer Vorfall/.test(sent.message.content);

/** A digest as the bot sends it, in either language. */
export const isDigest = (sent: SentMessage): boolean => /Privacy digest|Datenschutz-Übersicht/.test(sent.message.content);

/** What Discord counts against the 6,000 characters a message's embeds may hold together. */
export function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}
