import type { Logger } from '../log.ts';
import type { HttpFetcher } from './http-fetcher.ts';

/**
 * Fetches an article page (the fetcher's page limits: FETCH_MAX_BYTES) and extracts the story text.
 * Best effort: any failure leaves the caller with the feed's own text, so it returns undefined instead of throwing.
 */
export async function fetchFullText(fetcher: HttpFetcher, url: string, log: Logger): Promise<string | undefined> {
  if (url === '') return undefined;
  try {
    const result = await fetcher.fetchText(url, { expect: 'page' });
    if (result.kind !== 'fetched') return undefined;
    // Loaded on first use: linkedom and Readability cost ~30 MB of memory that a bot seeing mostly 304s never needs.
    const { extractArticle } = await import('./extract-article.ts');
    const extracted = extractArticle(result.body, result.url);
    return extracted?.text || undefined;
  } catch (error) {
    log.debug({ url, err: (error as Error).message }, 'article page not fetched; keeping the feed text');
    return undefined;
  }
}
