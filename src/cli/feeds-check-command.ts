import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import { checkFeeds } from '../ingest/check-feeds.ts';
import type { Logger } from '../log.ts';
import { createApp } from '../main.ts';

/** `feeds check [--json]`: every enabled feed fetched once, its health printed; nothing is ingested. */
export async function feedsCheckCommand(config: Config, log: Logger, io: CliIo, options: { json: boolean }): Promise<number> {
  const app = await createApp(config, log);
  try {
    const checks = await checkFeeds(app.feeds, app.fetcher);
    for (const check of checks) {
      if (options.json) {
        io.stdout.write(`${JSON.stringify(check)}\n`);
      } else if (check.ok) {
        io.stdout.write(`ok    ${check.id}: ${check.items ?? 0} items, HTTP ${check.status}, ${check.ms} ms\n`);
      } else {
        io.stdout.write(`FAIL  ${check.id}: ${check.error} [${check.kind}] (${check.ms} ms)\n`);
      }
    }
    for (const problem of app.catalogue.problems) {
      io.stdout.write(
        options.json
          ? `${JSON.stringify({ file: problem.file, ok: false, error: problem.message, kind: 'catalogue' })}\n`
          : `SKIP  ${problem.file}: ${problem.message}\n`,
      );
    }
    return checks.every((c) => c.ok) && app.catalogue.problems.length === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}
