import type { Gazetteer } from '../../analysis/company-gazetteer.ts';
import type { ProcessedArticle } from '../../analysis/process-article.ts';
import { cardFromIncident } from '../../delivery/incident-card.ts';
import type { FeedConfig } from '../../model/feed.ts';
import type { Article } from '../../model/item.ts';
import { renderCardText } from './render-card.ts';

/**
 * The console platform: a card for each new incident. Further reports of a known incident only add a source
 * to it, so they print nothing.
 */
export function printNewIncidents(
  stdout: NodeJS.WritableStream,
  gazetteer: Gazetteer,
): (article: Article, feed: FeedConfig, processed: ProcessedArticle) => Promise<void> {
  return async (_article, _feed, { assignment }) => {
    if (assignment?.isNew) stdout.write(`${renderCardText(cardFromIncident(assignment.incident, gazetteer))}\n`);
  };
}
