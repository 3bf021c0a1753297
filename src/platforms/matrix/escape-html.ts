/**
 * Untrusted text made inert for Matrix: HTML-escaped for `formatted_body` (no tag, attribute or entity from a feed
 * survives), and `@room` broken with a zero-width space in both bodies so that no client treats it as a room
 * mention (every message also carries an empty `m.mentions`).
 */
export function escapeHtml(text: string): string {
  return neutraliseMentions(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function neutraliseMentions(text: string): string {
  return text.replace(/@room\b/gi, (match) => `@\u200b${match.slice(1)}`);
}

/** An href Matrix clients may follow: http(s) only, escaped for an attribute; anything else gives no link. */
export function safeHref(url: string): string | undefined {
  if (url.length > 2000) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? escapeHtml(parsed.href) : undefined;
  } catch {
    return undefined;
  }
}

/** Text cut to `max` characters at a word boundary, with an ellipsis. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair (an emoji): half of one is invalid text.
  const head = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  const space = head.search(/\s\S*$/);
  return `${(space > max * 0.6 ? head.slice(0, space) : head).trimEnd()}…`;
}
