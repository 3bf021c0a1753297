import { loadGazetteer } from '../analysis/company-gazetteer.ts';
import { lookupCompany } from '../analysis/lookup-company.ts';
import type { CliIo } from '../cli.ts';
import { UsageError } from '../cli.ts';
import type { Config } from '../config.ts';
import { cardFromIncident } from '../delivery/incident-card.ts';
import type { Logger } from '../log.ts';
import { INCIDENT_TYPES, type IncidentType } from '../model/analysis.ts';
import { renderCardText } from '../platforms/console/render-card.ts';
import { openStore } from '../store/open-store.ts';

export const INCIDENTS_PAGE_SIZE = 5;

export interface IncidentsOptions {
  type?: string;
  since?: string;
  page: number;
  json: boolean;
}

/**
 * `incidents <company> [--type T] [--since DATE] [--page N] [--json]`: what `/incidents` answers, from the store.
 * The company's subsidiaries count too (amazon includes Ring and Alexa), newest first, five to a page.
 */
export async function incidentsCommand(query: string, config: Config, log: Logger, io: CliIo, options: IncidentsOptions): Promise<number> {
  const type = parseType(options.type);
  const since = parseSince(options.since);
  const gazetteer = loadGazetteer();
  const { match, suggestions } = lookupCompany(query, gazetteer);
  if (!match) {
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((c) => c.name).join(', ')}?` : '';
    io.stderr.write(`No company called "${query.slice(0, 100)}" is known.${hint}\n`);
    return 1;
  }
  const store = await openStore(config.storeUrl, { onError: (error) => log.error({ err: error }, 'store error') });
  try {
    const page = await store.incidents.query({
      companyIds: [match.id, ...gazetteer.descendants(match.id)],
      ...(type ? { type } : {}),
      ...(since ? { since } : {}),
      offset: (options.page - 1) * INCIDENTS_PAGE_SIZE,
      limit: INCIDENTS_PAGE_SIZE,
    });
    if (options.json) {
      for (const incident of page.incidents) io.stdout.write(`${JSON.stringify(incident)}\n`);
      return 0;
    }
    if (page.total === 0) {
      io.stdout.write(`No incidents involving ${match.name} are on record${type ? ` of type ${type}` : ''}${since ? ` since ${since.slice(0, 10)}` : ''}.\n`);
      return 0;
    }
    const pages = Math.max(1, Math.ceil(page.total / INCIDENTS_PAGE_SIZE));
    io.stdout.write(`${match.name}: ${page.total} incident${page.total === 1 ? '' : 's'}, page ${options.page} of ${pages}\n\n`);
    for (const incident of page.incidents) io.stdout.write(`${renderCardText(cardFromIncident(incident, gazetteer))}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function parseType(type: string | undefined): IncidentType | undefined {
  if (type === undefined) return undefined;
  if ((INCIDENT_TYPES as readonly string[]).includes(type)) return type as IncidentType;
  throw new UsageError(`--type must be one of ${INCIDENT_TYPES.join(', ')}`);
}

function parseSince(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/.test(since) ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError('--since must be a date such as 2026-11-01');
  return new Date(time).toISOString();
}
