import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import { cardFromArticle } from '../delivery/article-card.ts';
import type { Logger } from '../log.ts';
import { createApp } from '../main.ts';
import type { FeedConfig } from '../model/feed.ts';
import type { Article } from '../model/item.ts';
import { renderCardText } from '../platforms/console/render-card.ts';

/** `poll --once [--json]`: one cycle over every enabled feed, due or not; prints what was newly ingested. */
export async function pollCommand(config: Config, log: Logger, io: CliIo, options: { json: boolean }): Promise<number> {
  const app = await createApp(config, log);
  try {
    const print = async (article: Article, feed: FeedConfig): Promise<void> => {
      io.stdout.write(options.json ? `${JSON.stringify(articleJson(article))}\n` : `${renderCardText(cardFromArticle(article, feed))}\n`);
    };
    // Feeds that fail are logged (stderr) by the poll itself, one line each.
    await app.poll({ force: true, onArticle: print });
    return 0;
  } finally {
    await app.close();
  }
}

/** The `--json` line format: one object per newly ingested item. */
export function articleJson(article: Article): Record<string, string> {
  return {
    id: article.id,
    feed: article.feedId,
    url: article.url,
    title: article.title,
    published: article.published,
    language: article.language,
    text: article.text,
  };
}
