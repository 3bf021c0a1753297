import type { IncidentType } from './analysis.ts';
import type { Language } from './feed.ts';

/**
 * A card: what the bot shows about one incident. Plain data; every platform renders it its own way
 * (console text, Discord embed, Matrix HTML). Every string in it came from a feed and is untrusted:
 * renderers escape it for their medium.
 */
export interface Card {
  incidentId: string;
  title: string;
  /** 2–3 sentences, at most 320 characters, in the article's language. */
  summary: string;
  /** Companies involved, most central first, with their parent's name where they have one. */
  companies: Array<{ id: string; name: string; parentName?: string }>;
  /** Primary first. */
  types: IncidentType[];
  /** The first source: where the story was reported first. */
  outlet: string;
  url: string;
  published: string;
  language: Language;
  /** How many articles report this incident. */
  sourceCount: number;
  /** The reporting articles, first report first; at most MAX_CARD_SOURCES (see `sourceCount` for all). */
  sources: Array<{ outlet: string; url: string }>;
}

/** Sources a card lists by name and link; more are counted, not listed. */
export const MAX_CARD_SOURCES = 5;
