/**
 * Untrusted text (feed titles and summaries, a user's typed company name) made inert for Discord: every character
 * Discord's markdown gives a meaning is backslash-escaped (Discord drops the backslash when rendering), so no
 * bold, link, spoiler, heading, list, code block or mention syntax survives; `@everyone` and `@here` get a
 * zero-width space so they do not even look like a mention. Pinging is prevented separately and absolutely by
 * `allowed_mentions: { parse: [] }` on every message.
 */
const INLINE = /[\\*_~`|<>[\]()#:]/g;
/** Block syntax at the start of a line: lists (`- `, `+ `, `1. `), sub-text (`-# `). */
const LINE_START = /^(\s*)([-+]|\d+\.)(?=\s|#)/gm;
const BROADCAST = /@(everyone|here)/gi;

export function escapeMarkdown(text: string): string {
  return text.replace(INLINE, '\\$&').replace(LINE_START, (_, space: string, marker: string) => `${space}${marker.replace(/([-+.])/, '\\$1')}`).replace(BROADCAST, '@\u200b$1');
}

/** Text cut to `max` characters at a word boundary, with an ellipsis, so limits never cut a word (or an escape) in half. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  // Never split a surrogate pair (an emoji): half of one is invalid text, which Discord may reject.
  let cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  const space = cut.search(/\s\S*$/);
  if (space > max * 0.6) cut = cut.slice(0, space);
  // Never end on a lone escaping backslash: it would escape the ellipsis.
  cut = cut.replace(/\\+$/, (slashes) => (slashes.length % 2 === 1 ? slashes.slice(1) : slashes));
  return `${cut.trimEnd()}…`;
}

/** A link target Discord accepts: http(s), parseable, not too long; anything else is dropped. */
export function safeUrl(url: string): string | undefined {
  if (url.length > 2000) return undefined;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.href.length <= 2000 ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
