import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import { terminalSafe } from '../terminal-safe.ts';
import { createLimiter } from '../ingest/concurrency-limiter.ts';
import type { BackfillProgress, BackfillReport } from '../ingest/backfill-feed.ts';
import type { Logger } from '../log.ts';
import { createApp } from '../main.ts';
import type { FeedConfig } from '../model/feed.ts';

export interface BackfillCommandOptions {
  /** One feed (catalogue or added by a server); default every enabled catalogue feed. */
  feed?: string;
  since?: Date;
  maxPages: number;
}

/** Feeds read side by side: their hosts differ mostly, and each host is paced on its own anyway. */
const FEEDS_AT_ONCE = 4;

/**
 * `backfill [--feed <id>] [--since <date>] [--max-pages N]`: reads the feeds' archives into the incident store as
 * history (see src/ingest/backfill-feed.ts); posts nothing. Progress as a status line on a terminal, as log lines
 * otherwise; one summary line per feed on stdout. Ctrl-C stops after the page in hand, and the next run continues
 * there. Exit 0 when every feed's backfill ended cleanly, 1 when one stopped at an error or was interrupted.
 */
export async function backfillCommand(config: Config, log: Logger, io: CliIo, options: BackfillCommandOptions): Promise<number> {
  const app = await createApp(config, log);
  const controller = new AbortController();
  const interrupt = (): void => {
    if (controller.signal.aborted) return;
    log.warn('stopping after the page in hand; run the same command again to continue where it stopped');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const feeds = await feedsToBackfill(app.feeds, options.feed, async () => (await app.store.userFeeds.all()).map((added) => added.feed), app.catalogue.feeds);
    if (typeof feeds === 'string') {
      io.stderr.write(`${feeds}\n`);
      return 2;
    }
    const progress = createProgress(io.stderr as NodeJS.WriteStream, log, feeds.length);
    const limiter = createLimiter(FEEDS_AT_ONCE);
    const reports = await Promise.all(
      feeds.map((feed) =>
        limiter.run(async () => {
          const report = await app.backfill(feed, {
            maxPages: options.maxPages,
            ...(options.since ? { since: options.since } : {}),
            onPage: progress.page,
            signal: controller.signal,
          });
          progress.done(report);
          return report;
        }),
      ),
    );
    progress.end();
    for (const report of reports) io.stdout.write(`${summarise(report, options)}\n`);
    return reports.some((report) => report.stopped === 'error' || report.stopped === 'interrupted') ? 1 : 0;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await app.close();
  }
}

/** The feeds asked for, or one sentence saying why there are none. */
async function feedsToBackfill(
  enabled: readonly FeedConfig[],
  wanted: string | undefined,
  added: () => Promise<FeedConfig[]>,
  catalogue: readonly FeedConfig[],
): Promise<FeedConfig[] | string> {
  if (wanted === undefined) return enabled.length > 0 ? [...enabled] : 'No enabled feeds in the catalogue (FEEDS_DIR): nothing to backfill.';
  const feed = catalogue.find((f) => f.id === wanted) ?? (await added()).find((f) => f.id === wanted);
  if (feed) return [feed];
  const known = [...catalogue.map((f) => f.id)].sort().join(', ');
  return `No feed "${wanted}" in the catalogue or among the feeds servers added. Known: ${known}.`;
}

interface Progress {
  page: (progress: BackfillProgress) => void;
  done: (report: BackfillReport) => void;
  end: () => void;
}

/** A status line rewritten in place on a terminal; a log line per page otherwise (a service's journal, CI). */
function createProgress(stderr: NodeJS.WriteStream, log: Logger, feedCount: number): Progress {
  let finished = 0;
  let articles = 0;
  let latest = '';
  if (!stderr.isTTY) {
    return {
      page: (p) => log.info({ feed: p.feedId, page: p.page, articles: p.articles, known: p.known }, `backfill ${p.feedId}: page ${p.page}, ${p.articles} new, ${p.known} known`),
      done: (r) => log.info({ feed: r.feedId, pages: r.pagesRead, articles: r.articles, stopped: r.stopped }, `backfill ${r.feedId}: ${r.stopped} after ${r.pagesRead} pages`),
      end: () => {},
    };
  }
  const WIDTH = 20;
  const draw = (): void => {
    const filled = Math.round((finished / Math.max(feedCount, 1)) * WIDTH);
    stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${finished}/${feedCount} feeds · ${articles} articles${latest ? ` · ${latest}` : ''}`);
  };
  return {
    page: (p) => {
      articles += p.articles;
      latest = `${p.feedId} page ${p.page}`;
      draw();
    },
    done: () => {
      finished += 1;
      draw();
    },
    end: () => stderr.write('\n'),
  };
}

function summarise(report: BackfillReport, options: BackfillCommandOptions): string {
  const what = `${report.feedId}: ${report.pagesRead} ${report.pagesRead === 1 ? 'page' : 'pages'}, ${report.articles} new articles, ${report.known} known`;
  switch (report.stopped) {
    case 'end':
      return `${what} — reached the end of its archive.`;
    case 'nothing-new':
      return `${what} — an archive page brought nothing new: its history is in the store.`;
    case 'since':
      return `${what} — reached items older than ${options.since?.toISOString().slice(0, 10)}; an earlier --since continues at page ${report.nextPage}.`;
    case 'max-pages':
      return `${what} — stopped after ${options.maxPages} pages (--max-pages); run again to continue at page ${report.nextPage}.`;
    case 'interrupted':
      return `${what} — interrupted; run again to continue at page ${report.nextPage}.`;
    case 'error':
      // The error may quote what a server sent: made safe for a terminal.
      return `${what} — stopped at ${report.error === undefined ? `page ${report.nextPage}` : terminalSafe(report.error)}; run again to continue there.`;
  }
}
