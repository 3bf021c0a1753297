import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createApp, type ArticleConsumer } from '../main.ts';
import type { Article } from '../model/item.ts';
import { printNewIncidents } from '../platforms/console/print-new-incidents.ts';

/** `poll --once [--json]`: one cycle over every enabled feed, due or not; prints what was newly ingested. */
export async function pollCommand(config: Config, log: Logger, io: CliIo, options: { json: boolean }): Promise<number> {
  const app = await createApp(config, log);
  try {
    // --json: every ingested item (the ingestion contract); otherwise a card per new privacy incident.
    const print: ArticleConsumer = options.json
      ? async (article) => void io.stdout.write(`${JSON.stringify(articleJson(article))}\n`)
      : printNewIncidents(io.stdout, app.gazetteer);
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
