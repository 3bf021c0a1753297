import { shortDate } from '../../chat/relative-time.ts';
import { t } from '../../chat/translate.ts';
import { incidentTypeLabel } from '../../delivery/incident-type-label.ts';
import type { Card } from '../../model/card.ts';
import type { Language } from '../../model/feed.ts';
import { cut, escapeHtml, neutraliseMentions, safeHref } from './escape-html.ts';

/** Feed text is cut before it is shown: a card is a summary, not the article. */
const MAX_TITLE = 300;
const MAX_SUMMARY = 600;

/** A card in both Matrix bodies: plain text and the HTML subset the spec recommends (b, a, em, br, p). */
export interface CardText {
  plain: string;
  html: string;
}

/**
 * A card for Matrix: the title linked to the article, companies (with parent), type, outlet, date and source
 * count, the summary, and the sources as links. Every text from the feed is escaped; links are http(s) only.
 * The bot's own words (labels) are in `language`; title and summary keep the article's language.
 */
export function cardText(card: Card, language: Language): CardText {
  const title = cut(card.title, MAX_TITLE);
  const summary = cut(card.summary, MAX_SUMMARY);
  const href = safeHref(card.url);
  const companies = card.companies.map((c) => (c.parentName ? `${c.name} (${c.parentName})` : c.name)).join(', ');
  const types = card.types.map((type) => incidentTypeLabel(type, language)).join(', ');
  const count = card.sourceCount === 1 ? t(language, 'card.sourceCountOne') : t(language, 'card.sourceCount', { count: card.sourceCount });
  const facts = [companies, types, card.outlet, shortDate(card.published, language), count].filter((part) => part !== '');
  const sources = card.sources.map((source) => ({ name: cut(source.outlet || '?', 60), href: safeHref(source.url), url: source.url }));
  const more = card.sourceCount - card.sources.length;
  const moreText = more > 0 ? ` ${t(language, 'card.moreSources', { count: more })}` : '';

  const plainLines = [neutraliseMentions(title), neutraliseMentions(facts.join(' · '))];
  if (summary !== '') plainLines.push(neutraliseMentions(summary));
  if (sources.length > 0) {
    plainLines.push(`${t(language, 'card.sources')}: ${sources.map((s) => (s.href ? `${neutraliseMentions(s.name)} <${s.url}>` : neutraliseMentions(s.name))).join(' · ')}${moreText}`);
  }

  const htmlTitle = href ? `<a href="${href}">${escapeHtml(title)}</a>` : escapeHtml(title);
  const htmlParts = [`<b>${htmlTitle}</b><br><em>${escapeHtml(facts.join(' · '))}</em>`];
  if (summary !== '') htmlParts.push(escapeHtml(summary));
  if (sources.length > 0) {
    const links = sources.map((s) => (s.href ? `<a href="${s.href}">${escapeHtml(s.name)}</a>` : escapeHtml(s.name))).join(' · ');
    htmlParts.push(`${escapeHtml(t(language, 'card.sources'))}: ${links}${escapeHtml(moreText)}`);
  }
  return { plain: plainLines.join('\n'), html: htmlParts.join('<br>') };
}
