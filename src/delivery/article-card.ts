import type { Card } from '../model/card.ts';
import type { FeedConfig } from '../model/feed.ts';
import type { Article } from '../model/item.ts';

export const SUMMARY_MAX_CHARS = 320;

/**
 * The card for a freshly ingested article: its title and a lead of whole sentences.
 * (The privacy analysis replaces the lead with a proper summary; this keeps the console useful until then.)
 */
export function cardFromArticle(article: Article, feed: Pick<FeedConfig, 'name'>): Card {
  return {
    key: article.key,
    title: article.title,
    summary: leadWithin(article.text, SUMMARY_MAX_CHARS),
    url: article.url,
    outlet: feed.name,
    published: article.published,
    language: article.language,
  };
}

/** The longest run of leading whole sentences within `max` characters; a cut at a word boundary with … when the first sentence alone is longer. */
export function leadWithin(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const sentences = flat.match(/[^.!?]+(?:[.!?]+["'»«“”]?|$)\s*/g) ?? [flat];
  let lead = '';
  for (const sentence of sentences) {
    if ((lead + sentence).trimEnd().length > max) break;
    lead += sentence;
  }
  if (lead.trim() !== '') return lead.trim();
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
