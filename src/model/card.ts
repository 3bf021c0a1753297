import type { Language } from './feed.ts';

/**
 * A card: what the bot shows about one story. Plain data; every platform renders it its own way
 * (console text, Discord embed, Matrix HTML). Every string in it came from a feed and is untrusted:
 * renderers escape it for their medium.
 */
export interface Card {
  /** The article key the card was made from. */
  key: string;
  title: string;
  /** At most 320 characters, whole sentences, in the article's language. */
  summary: string;
  url: string;
  outlet: string;
  published: string;
  language: Language;
}
