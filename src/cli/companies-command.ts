import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { terminalSafe } from '../terminal-safe.ts';
import { openStore } from '../store/open-store.ts';

/**
 * `companies unknown [--limit N] [--json]`: organisations that privacy stories name but the gazetteer does not
 * know, most frequent first — the list to grow `src/analysis/data/companies.json` from.
 */
export async function unknownCompaniesCommand(config: Config, log: Logger, io: CliIo, options: { limit: number; json: boolean }): Promise<number> {
  const store = await openStore(config.storeUrl, { onError: (error) => log.error({ err: error }, 'store error') });
  try {
    const records = await store.unknownCompanies.top(options.limit);
    if (options.json) {
      for (const { recentArticles: _internal, ...record } of records) io.stdout.write(`${JSON.stringify(record)}\n`);
      return 0;
    }
    if (records.length === 0) {
      io.stdout.write('No unknown organisations have been found in privacy stories yet.\n');
      return 0;
    }
    for (const record of records) {
      io.stdout.write(
        `${String(record.count).padStart(4)}×  ${terminalSafe(record.name)} (${terminalSafe(record.evidence)}), last ${record.lastSeen.slice(0, 10)}  ${terminalSafe(record.exampleUrl)}\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
