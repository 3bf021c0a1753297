import { once } from 'node:events';
import { loadGazetteer } from '../analysis/company-gazetteer.ts';
import { lookupCompany } from '../analysis/lookup-company.ts';
import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Incident } from '../model/analysis.ts';
import { incidentToLine, parseIncidentLine } from '../store/incident-jsonl.ts';
import type { IncidentRepo } from '../store/incident-repo.ts';
import { openStore } from '../store/open-store.ts';
import { terminalSafe } from '../terminal-safe.ts';

/** The repository's largest page. */
const PAGE_SIZE = 100;

export interface ExportOptions {
  /** A company's slug or name: only its incidents and its subsidiaries'. */
  company?: string;
}

/**
 * `export [--company <slug or name>]`: every incident (or one company family's) as JSON Lines on stdout, for
 * `import` into another store (SQLite ↔ Redis/PostgreSQL), sharing a curated history or seeding a deployment.
 * Pages through the store a hundred at a time and waits for stdout to drain, so a store of any size is
 * exported in bounded memory. The count goes to stderr, which stays free of data.
 *
 * Incidents filed while the export runs may shift the pages, so one can appear twice; `import` takes it once.
 */
export async function exportCommand(config: Config, log: Logger, io: CliIo, options: ExportOptions): Promise<number> {
  let companyIds: string[] | undefined;
  if (options.company !== undefined) {
    const gazetteer = loadGazetteer();
    const { match, suggestions } = lookupCompany(options.company, gazetteer);
    if (!match) {
      const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((c) => c.name).join(', ')}?` : '';
      io.stderr.write(`No company called "${terminalSafe(options.company.slice(0, 100))}" is known.${hint}\n`);
      return 1;
    }
    companyIds = [match.id, ...gazetteer.descendants(match.id)];
  }
  const store = await openStore(config.storeUrl, { onError: (error) => log.error({ err: error }, 'store error') });
  const out = lineWriter(io.stdout);
  try {
    let exported = 0;
    let unimportable = 0;
    for await (const incident of everyIncident(store.incidents, companyIds)) {
      const line = incidentToLine(incident);
      // A stored incident that the import would refuse (a hand-edited or much older store) is still exported, with a warning.
      const check = parseIncidentLine(line);
      if (!check.ok) {
        unimportable += 1;
        io.stderr.write(`incident ${terminalSafe(JSON.stringify(incident.id).slice(0, 120))} will not import: ${terminalSafe(check.reason)}\n`);
      }
      await out.write(`${line}\n`);
      exported += 1;
    }
    const warning = unimportable > 0 ? ` (${unimportable} of them will not import, see above)` : '';
    io.stderr.write(`exported ${exported} incident${exported === 1 ? '' : 's'}${warning}\n`);
    return 0;
  } finally {
    out.close();
    await store.close();
  }
}

/** The store's incidents, a page at a time: the company family's newest first, or all, most recently recorded first. */
async function* everyIncident(repo: IncidentRepo, companyIds: string[] | undefined): AsyncGenerator<Incident> {
  // Stops on the total rather than an empty page: a page can come back short where an index entry has no incident.
  for (let offset = 0, total = 1; offset < total; offset += PAGE_SIZE) {
    const page =
      companyIds === undefined
        ? await repo.latest({ offset, limit: PAGE_SIZE })
        : await repo.query({ companyIds, offset, limit: PAGE_SIZE });
    total = page.total;
    yield* page.incidents;
  }
}

/**
 * Writes to a stream, waiting whenever it asks to (backpressure), and fails the export instead of hanging or
 * crashing when the reader goes away (`export | head`: EPIPE).
 */
function lineWriter(stream: NodeJS.WritableStream): { write(text: string): Promise<void>; close(): void } {
  let failure: unknown;
  const onError = (error: unknown): void => {
    failure ??= error;
  };
  stream.on('error', onError);
  return {
    async write(text) {
      if (failure !== undefined) throw failure;
      if (!stream.write(text)) await once(stream, 'drain');
    },
    // After a failure the listener stays: a later error on a broken pipe must not become an uncaught exception.
    close: () => {
      if (failure === undefined) stream.off('error', onError);
    },
  };
}
