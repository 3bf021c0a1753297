import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';
import { createAnalyser } from '../analysis/analyse-article.ts';
import { assignIncident } from '../analysis/assign-incident.ts';
import { loadGazetteer } from '../analysis/company-gazetteer.ts';
import { createInMemoryIncidentIndex } from '../analysis/group-incidents.ts';
import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import { cardFromIncident } from '../delivery/incident-card.ts';
import { cleanArticleText } from '../ingest/clean-article-text.ts';
import { decodeBody } from '../ingest/decode-charset.ts';
import { extractArticle } from '../ingest/extract-article.ts';
import { createHttpFetcher } from '../ingest/http-fetcher.ts';
import { contentHash, normaliseItems } from '../ingest/normalise-items.ts';
import { parseFeed } from '../ingest/parse-feed.ts';
import type { FeedConfig } from '../model/feed.ts';
import type { Article, FeedItem } from '../model/item.ts';
import { renderCardText } from '../platforms/console/render-card.ts';
import { terminalSafe } from '../terminal-safe.ts';
import { newIncidentId } from '../store/incident-repo.ts';
import { articleKey } from '../store/article-repo.ts';

/**
 * `analyze <file|url|-> [--json]`: the whole analysis on a feed, an article page or a plain-text article
 * (first line = title), item by item and grouped across items, without touching the store.
 */
export async function analyzeCommand(
  source: string,
  config: Config,
  io: CliIo,
  options: { json: boolean; scope: FeedConfig['scope']; stdin: NodeJS.ReadableStream },
): Promise<number> {
  const { text, url } = await readSource(source, config, options.stdin);
  const now = new Date();
  const items = await itemsOf(text, url, now);
  const gazetteer = loadGazetteer();
  const analyser = createAnalyser({ gazetteer });
  const incidents = createInMemoryIncidentIndex();
  for (const item of items) {
    const analysis = analyser.analyse({ title: item.title, text: item.text, language: item.language, scope: options.scope });
    const article: Article = {
      ...item,
      key: articleKey(item),
      contentHash: contentHash(item),
      firstSeen: now.toISOString(),
      textSource: 'feed',
      status: 'done',
      announce: true,
    };
    const assignment = analysis.relevance.relevant
      ? await assignIncident(article, analysis, hostOf(item.url), incidents, gazetteer, newIncidentId)
      : undefined;
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({
          id: item.id,
          url: item.url,
          title: item.title,
          language: analysis.language,
          relevant: analysis.relevance.relevant,
          relevance: Number(analysis.relevance.score.toFixed(3)),
          companies: analysis.companies.map((c) => ({ id: c.id, name: c.name, parent: c.parent ?? null })),
          types: analysis.types,
          summary: analysis.summary,
          incident: assignment?.incident.id ?? null,
        })}\n`,
      );
    } else if (assignment) {
      io.stdout.write(`${renderCardText(cardFromIncident(assignment.incident, gazetteer))}\n`);
    } else {
      io.stdout.write(`· not a privacy story: ${terminalSafe(item.title)}\n\n`);
    }
  }
  return 0;
}

async function readSource(source: string, config: Config, stdin: NodeJS.ReadableStream): Promise<{ text: string; url: string }> {
  if (source === '-') return { text: await readStream(stdin), url: '' };
  if (/^https?:\/\//i.test(source)) {
    const fetcher = createHttpFetcher({ userAgent: config.userAgent, maxRedirects: 5, ...config.fetch });
    try {
      const result = await fetcher.fetchText(source, { expect: 'page', accept: 'application/rss+xml, application/atom+xml, text/html;q=0.9, */*;q=0.5' });
      if (result.kind !== 'fetched') throw new Error(`${source} answered 304 without a body`);
      return { text: result.body, url: result.url };
    } finally {
      await fetcher.close();
    }
  }
  const bytes = await readFile(source);
  return { text: decodeBody(bytes).text, url: '' };
}

const ANALYZE_FEED: FeedConfig = {
  id: 'analyze',
  name: 'analyze',
  url: 'https://analyze.invalid/',
  language: 'de',
  scope: 'general',
  fullText: false,
  enabled: true,
};

/** A feed gives its items; an HTML page or a plain text gives one article. */
async function itemsOf(text: string, url: string, now: Date): Promise<FeedItem[]> {
  const head = text.slice(0, 2_000).trimStart().toLowerCase();
  if (/^(?:\ufeff)?(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:rss|feed|rdf:rdf)\b/.test(head)) {
    const parsed = await parseFeed(text);
    return normaliseItems(parsed.items, { feed: ANALYZE_FEED, feedLink: parsed.link ?? url, now });
  }
  const base = { feedId: 'analyze', url, published: now.toISOString(), publishedFromFeed: false, language: ANALYZE_FEED.language, categories: [] };
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<?xml')) {
    const page = extractArticle(text, url || 'https://analyze.invalid/');
    const title = page?.title ?? '';
    return [{ ...base, id: url || 'page', title, text: page?.text ?? '' }];
  }
  const [first = '', ...rest] = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const title = first.trim();
  return [{ ...base, id: url || 'text', title, text: cleanArticleText(rest.join('\n'), { title }) }];
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
