import { parseArgs } from 'node:util';
import { ConfigError, VERSION, loadConfig, loadDotEnv, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { analyzeCommand } from './cli/analyze-command.ts';
import { backfillCommand } from './cli/backfill-command.ts';
import { parseSince } from './chat/parse-since.ts';
import { unknownCompaniesCommand } from './cli/companies-command.ts';
import { exportCommand } from './cli/export-command.ts';
import { feedsCheckCommand } from './cli/feeds-check-command.ts';
import { forgetCommand, serverToForget } from './cli/forget-command.ts';
import { importCommand } from './cli/import-command.ts';
import { incidentsCommand } from './cli/incidents-command.ts';
import { pollCommand } from './cli/poll-command.ts';
import { runCommand } from './cli/run-command.ts';

/**
 * `privacy-radar <command>`: argument parsing and dispatch only.
 * Exit codes: 0 success, 1 failure at run time, 2 bad usage or configuration.
 */

const USAGE = `privacy-radar ${VERSION} — privacy incidents from news feeds, for Discord and Matrix

Usage:
  privacy-radar run                      poll on POLL_CRON (and once at start); print new incidents as cards
  privacy-radar poll --once [--json]     one poll cycle over all enabled feeds; cards for new incidents,
                                         or with --json every newly ingested item
  privacy-radar feeds check [--json]     fetch every feed once and print its health; stores nothing
  privacy-radar analyze <file|url|-> [--json] [--scope privacy|general]
                                         analyse a feed, an article page or a text (first line = title)
                                         without touching the store
  privacy-radar incidents <company> [--type T] [--since DATE] [--page N] [--json]
                                         a company's incidents (with its subsidiaries), newest first
  privacy-radar export [--company <company>] > incidents.jsonl
                                         every incident (or a company's, with its subsidiaries) as JSON Lines
  privacy-radar import <file|->          read exported incidents into the store: bad lines are reported and
                                         skipped, incidents already stored are merged, new ones kept as history
  privacy-radar companies unknown [--limit N] [--json]
                                         organisations in privacy stories that the gazetteer does not know
  privacy-radar backfill [--feed <id>] [--since DATE|6m|1y] [--max-pages N]
                                         read the feeds' archives (WordPress ?paged=N, or the archive pages a
                                         catalogue file lists) into the incident history; posts nothing; an
                                         interrupted backfill continues where it stopped (default 50 pages)
  privacy-radar forget --guild <id> | --room <id>
                                         delete everything stored about a Discord server or a Matrix room now
                                         (otherwise FORGET_AFTER_DAYS after it removed the bot)
  privacy-radar help | --version

Configuration comes from the environment and ./.env; see .env.example.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return 0;
      case 'run': {
        parseArgs({ args: rest, options: {}, strict: true });
        const { config, log } = setUp(io);
        return await runCommand(config, log, io);
      }
      case 'poll': {
        const { values } = parseArgs({
          args: rest,
          options: { once: { type: 'boolean' }, json: { type: 'boolean' } },
          strict: true,
        });
        if (!values.once) throw new UsageError('poll needs --once (use "run" to poll on a schedule)');
        const { config, log } = setUp(io);
        return await pollCommand(config, log, io, { json: values.json === true });
      }
      case 'feeds': {
        const [sub, ...subRest] = rest;
        if (sub !== 'check') throw new UsageError(`unknown feeds command ${JSON.stringify(sub ?? '')}; try "feeds check"`);
        const { values } = parseArgs({ args: subRest, options: { json: { type: 'boolean' } }, strict: true });
        const { config, log } = setUp(io);
        return await feedsCheckCommand(config, log, io, { json: values.json === true });
      }
      case 'analyze': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean' }, scope: { type: 'string' } },
          allowPositionals: true,
          strict: true,
        });
        const [source, ...extra] = positionals;
        if (source === undefined || extra.length > 0) throw new UsageError('analyze takes one source: a file, a URL, or - for standard input');
        const scope = values.scope ?? 'general';
        if (scope !== 'privacy' && scope !== 'general') throw new UsageError('--scope must be privacy or general');
        const { config } = setUp(io);
        return await analyzeCommand(source, config, io, { json: values.json === true, scope, stdin: io.stdin ?? process.stdin });
      }
      case 'incidents': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { type: { type: 'string' }, since: { type: 'string' }, page: { type: 'string' }, json: { type: 'boolean' } },
          allowPositionals: true,
          strict: true,
        });
        const company = positionals.join(' ').trim();
        if (company === '') throw new UsageError('incidents needs a company, e.g. "incidents amazon"');
        const page = Number(values.page ?? '1');
        if (!Number.isInteger(page) || page < 1 || page > 10_000) throw new UsageError('--page must be a whole number from 1');
        const { config, log } = setUp(io);
        return await incidentsCommand(company, config, log, io, {
          page,
          json: values.json === true,
          ...(values.type !== undefined ? { type: values.type } : {}),
          ...(values.since !== undefined ? { since: values.since } : {}),
        });
      }
      case 'export': {
        const { values } = parseArgs({ args: rest, options: { company: { type: 'string' } }, strict: true });
        if (values.company !== undefined && values.company.trim() === '') throw new UsageError('--company needs a company, e.g. --company amazon');
        const { config, log } = setUp(io);
        return await exportCommand(config, log, io, values.company !== undefined ? { company: values.company.trim() } : {});
      }
      case 'import': {
        const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
        const [file, ...extra] = positionals;
        if (file === undefined || extra.length > 0) throw new UsageError('import takes one file written by export, or - for standard input');
        const { config, log } = setUp(io);
        return await importCommand(file, config, log, io, io.stdin ?? process.stdin);
      }
      case 'companies': {
        const [sub, ...subRest] = rest;
        if (sub !== 'unknown') throw new UsageError(`unknown companies command ${JSON.stringify(sub ?? '')}; try "companies unknown"`);
        const { values } = parseArgs({ args: subRest, options: { limit: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
        const limit = Number(values.limit ?? '25');
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be a whole number from 1 to 500');
        const { config, log } = setUp(io);
        return await unknownCompaniesCommand(config, log, io, { limit, json: values.json === true });
      }
      case 'forget': {
        const { values } = parseArgs({ args: rest, options: { guild: { type: 'string' }, room: { type: 'string' } }, strict: true });
        const server = serverToForget(values);
        const { config, log } = setUp(io);
        return await forgetCommand(server, config, log, io);
      }
      case 'backfill': {
        const { values } = parseArgs({
          args: rest,
          options: { feed: { type: 'string' }, since: { type: 'string' }, 'max-pages': { type: 'string' } },
          strict: true,
        });
        const maxPages = Number(values['max-pages'] ?? '50');
        if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 10_000) throw new UsageError('--max-pages must be a whole number from 1 to 10000');
        const since = values.since === undefined ? undefined : parseSince(values.since, new Date());
        if (values.since !== undefined && since === undefined) throw new UsageError('--since must be a past date such as 2025-01-01, or a span such as 6m or 1y');
        const { config, log } = setUp(io);
        return await backfillCommand(config, log, io, {
          maxPages,
          ...(values.feed !== undefined ? { feed: values.feed } : {}),
          ...(since !== undefined ? { since: new Date(since) } : {}),
        });
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    return reportFatal(error, io);
  }
}

function setUp(io: CliIo): { config: Config; log: Logger } {
  loadDotEnv();
  const config = loadConfig(io.env);
  return { config, log: createLogger(config.logLevel, config.logFormat) };
}

/** Operators get one clear line, never a stack trace, for what they can fix. */
function reportFatal(error: unknown, io: CliIo): number {
  if (error instanceof ConfigError) {
    io.stderr.write(`privacy-radar: configuration error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof UsageError || (error as NodeJS.ErrnoException)?.code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`privacy-radar: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  io.stderr.write(`privacy-radar: ${(error as Error)?.message ?? String(error)}\n`);
  return 1;
}

/**
 * Runs the command line as a program and ends the process with its exit code. Everything of ours is closed by the
 * time `main` returns; third-party clients may leave timers behind (matrix-js-sdk never clears its request
 * time-outs, minutes long), so a second later the process ends regardless of them.
 */
export async function runAsProgram(): Promise<void> {
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

// Run when executed directly (node src/cli.ts …); bin/privacy-radar.js calls runAsProgram itself.
if (import.meta.main) await runAsProgram();
