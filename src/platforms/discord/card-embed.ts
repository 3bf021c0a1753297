import type { APIEmbed } from 'discord.js';
import { t } from '../../chat/translate.ts';
import { incidentTypeLabel } from '../../delivery/incident-type-label.ts';
import type { Card } from '../../model/card.ts';
import type { Language } from '../../model/feed.ts';
import colourData from './data/incident-type-colours.json' with { type: 'json' };
import { escapeMarkdown, safeUrl, truncate } from './escape-markdown.ts';

/** Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const EMBED_LIMITS = { title: 256, description: 4096, fieldName: 256, fieldValue: 1024, footer: 2048, fields: 25, total: 6000 } as const;

const colours: Record<string, string> = colourData.colours;

/**
 * A card as a Discord embed: the title links to the article, the summary and the sources (as links) make the
 * description, companies (with parent) and type are fields, outlet and source count the footer, the primary
 * type picks the colour. Every text from the feed is markdown-escaped and cut at a word boundary to the
 * embed limits; `budget` caps the embed's total characters so that several cards fit in one message (6,000).
 * The bot's own words (field names, type labels) are in `language`; the title and summary keep the article's.
 */
export function cardEmbed(card: Card, language: Language, budget: number = EMBED_LIMITS.total): APIEmbed {
  const url = safeUrl(card.url);
  // Every part gets a share of the budget, so that ten cards of a digest stay within 6,000 characters together.
  const share = (part: number, limit: number): number => Math.min(limit, Math.max(20, Math.floor(budget * part)));
  const title = truncate(escapeMarkdown(card.title), share(1 / 4, EMBED_LIMITS.title));
  const fields: NonNullable<APIEmbed['fields']> = [];
  const companies = card.companies.map((c) => (c.parentName ? `${c.name} (${c.parentName})` : c.name)).join(', ');
  if (companies !== '') {
    fields.push({ name: t(language, 'card.companies'), value: truncate(escapeMarkdown(companies), share(1 / 6, 300)), inline: true });
  }
  if (card.types.length > 0) {
    const types = card.types.map((type) => incidentTypeLabel(type, language)).join(', ');
    fields.push({ name: t(language, 'card.type'), value: truncate(types, share(1 / 8, EMBED_LIMITS.fieldValue)), inline: true });
  }
  const sourceCount = card.sourceCount === 1 ? t(language, 'card.sourceCountOne') : t(language, 'card.sourceCount', { count: card.sourceCount });
  const footer = truncate([card.outlet, sourceCount].filter((part) => part !== '').join(' · '), share(1 / 8, 200));
  const fixed = title.length + footer.length + fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  const description = describe(card, language, Math.min(EMBED_LIMITS.description, budget - fixed));

  const primary = card.types[0] ?? 'none';
  const embed: APIEmbed = {
    title,
    color: Number.parseInt((colours[primary] ?? colours.none!).slice(1), 16),
    footer: { text: footer },
  };
  if (url) embed.url = url;
  if (description !== '') embed.description = description;
  if (fields.length > 0) embed.fields = fields;
  const published = Date.parse(card.published);
  if (Number.isFinite(published)) embed.timestamp = new Date(published).toISOString();
  return embed;
}

/** The summary, then "Sources: [outlet](url) · …", within `max` characters (sources give way first, then the summary is cut). */
function describe(card: Card, language: Language, max: number): string {
  if (max <= 0) return '';
  const summary = escapeMarkdown(card.summary);
  const links = card.sources
    .map((source) => {
      const href = safeUrl(source.url);
      const name = escapeMarkdown(truncate(source.outlet || '?', 60));
      return href ? `[${name}](${href.replace(/\(/g, '%28').replace(/\)/g, '%29')})` : name;
    });
  let sources = '';
  for (let shown = links.length; shown > 0; shown -= 1) {
    const rest = card.sourceCount - shown;
    const tail = rest > 0 ? ` ${t(language, 'card.moreSources', { count: rest })}` : '';
    const line = `**${t(language, 'card.sources')}:** ${links.slice(0, shown).join(' · ')}${tail}`;
    if (line.length <= max / 2 || shown === 1) {
      sources = line.length <= max / 2 ? line : '';
      break;
    }
  }
  const room = max - (sources === '' ? 0 : sources.length + 2);
  const text = summary === '' ? '' : truncate(summary, Math.max(0, room));
  return [text, sources].filter((part) => part !== '').join('\n\n');
}
