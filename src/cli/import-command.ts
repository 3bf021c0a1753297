import { open } from 'node:fs/promises';
import { isDeepStrictEqual, TextDecoder } from 'node:util';
import { absorbSignature, toSignature, type Fingerprint, type Signature } from '../analysis/incident-fingerprint.ts';
import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Incident, IncidentSource } from '../model/analysis.ts';
import { PLANNING_LOCK } from '../delivery/delivery-service.ts';
import { MAX_COMPANIES, MAX_LINE_BYTES, MAX_SOURCES, parseIncidentLine } from '../store/incident-jsonl.ts';
import type { IncidentRepo } from '../store/incident-repo.ts';
import { openStore, type Store } from '../store/open-store.ts';
import { terminalSafe } from '../terminal-safe.ts';

/** Incidents read and written per round: one read each, one batched write. */
const BATCH_SIZE = 100;
/** And at most this much line text per round, so that a file of huge lines stays within bounded memory. */
const BATCH_CHARS = 8 * 1024 * 1024;

/** What an import did, line by line. */
export interface ImportCounts {
  /** Incidents new to the store. */
  added: number;
  /** Lines that added something (sources, companies, types, dates) to an incident already stored. */
  updated: number;
  /** Lines whose incident is stored already with everything they say. */
  unchanged: number;
  /** Lines reported and skipped. */
  bad: number;
}

/**
 * `import <file|->`: reads incidents written by `export`, one JSON object per line, into the store. Every line is
 * validated; a bad one is reported on stderr as `line N: <reason>` and skipped, and the rest still import. Ends with
 * `imported N new, M updated, K unchanged, B bad lines` on stdout; exit code 0 when every line imported, 1 when
 * any was bad (so that scripts notice), whatever else was imported.
 *
 * Idempotent: an incident stored already is merged with the line (see `mergeIncident`) and written only if that
 * changes it, so importing a file twice changes nothing the second time.
 */
export async function importCommand(source: string, config: Config, log: Logger, io: CliIo, stdin: NodeJS.ReadableStream): Promise<number> {
  // The file is opened before the store, so that a mistyped name fails at once.
  const file = source === '-' ? undefined : await openInput(source);
  try {
    const store = await openStore(config.storeUrl, { onError: (error) => log.error({ err: error }, 'store error') });
    try {
      const counts = await importLines(file?.createReadStream() ?? stdin, store, io);
      io.stdout.write(`imported ${counts.added} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.bad} bad line${counts.bad === 1 ? '' : 's'}\n`);
      return counts.bad === 0 ? 0 : 1;
    } finally {
      await store.close();
    }
  } finally {
    await file?.close();
  }
}

/** Reads, checks and files every line, reporting bad ones on stderr as it goes. */
async function importLines(input: NodeJS.ReadableStream, store: Store, io: CliIo): Promise<ImportCounts> {
  // Under the lock the bot files articles under (any instance): a report filed meanwhile is not lost to the merge.
  const file = (batch: NumberedIncident[]): Promise<void> => store.exclusive(PLANNING_LOCK, () => importBatch(store.incidents, batch, counts, reportBad));
  const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, bad: 0 };
  const reportBad = (line: number, reason: string): void => {
    counts.bad += 1;
    io.stderr.write(`line ${line}: ${terminalSafe(reason)}\n`);
  };
  let batch: NumberedIncident[] = [];
  let batchChars = 0;
  for await (const line of readLines(input, MAX_LINE_BYTES)) {
    if ('problem' in line) {
      reportBad(line.number, line.problem);
      continue;
    }
    if (line.text.trim() === '') continue;
    const parsed = parseIncidentLine(line.text);
    if (!parsed.ok) {
      reportBad(line.number, parsed.reason);
      continue;
    }
    batch.push({ line: line.number, incident: parsed.incident });
    batchChars += line.text.length;
    if (batch.length >= BATCH_SIZE || batchChars >= BATCH_CHARS) {
      await file(batch);
      batch = [];
      batchChars = 0;
    }
  }
  await file(batch);
  return counts;
}

/** The import file, or an error naming it in one line. */
async function openInput(source: string): ReturnType<typeof open> {
  try {
    return await open(source, 'r');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((error as Error).message ?? String(error));
    throw new Error(`cannot read ${terminalSafe(source.slice(0, 300))}: ${reason}`);
  }
}

interface NumberedIncident {
  line: number;
  incident: Incident;
}

type Outcome = 'added' | 'updated' | 'unchanged';

/**
 * Files one batch: reads the stored versions, merges, writes what changed in one `putMany`. If the repository
 * refuses the batch, each incident is written alone, so that a refusal is reported against its own lines. A
 * failed read is the store failing, not a line: it stops the import (exit 1).
 */
async function importBatch(
  repo: IncidentRepo,
  batch: NumberedIncident[],
  counts: ImportCounts,
  reportBad: (line: number, reason: string) => void,
): Promise<void> {
  if (batch.length === 0) return;
  const ids = [...new Set(batch.map((entry) => entry.incident.id))];
  const stored = new Map(await Promise.all(ids.map(async (id) => [id, await repo.get(id)] as const)));

  const writes = new Map<string, { incident: Incident; lines: { line: number; outcome: Outcome }[] }>();
  const outcomes: { line: number; outcome: Outcome }[] = [];
  for (const { line, incident } of batch) {
    const pending = writes.get(incident.id);
    const before = pending?.incident ?? stored.get(incident.id);
    if (before === undefined) {
      writes.set(incident.id, { incident: asImported(incident), lines: [{ line, outcome: 'added' }] });
      continue;
    }
    const merged = mergeIncident(before, incident);
    if (isDeepStrictEqual(merged, before)) {
      // Unchanged against a write still pending in this batch: it counts as such only if that write succeeds.
      if (pending) pending.lines.push({ line, outcome: 'unchanged' });
      else outcomes.push({ line, outcome: 'unchanged' });
    } else {
      writes.set(incident.id, { incident: merged, lines: [...(pending?.lines ?? []), { line, outcome: 'updated' }] });
    }
  }

  const written = new Set<string>();
  try {
    await repo.putMany([...writes.values()].map((write) => write.incident));
    for (const id of writes.keys()) written.add(id);
  } catch {
    for (const [id, write] of writes) {
      try {
        await repo.put(write.incident);
        written.add(id);
      } catch (error) {
        for (const { line } of write.lines) reportBad(line, `the store refused the incident: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
  for (const [id, write] of writes) {
    if (written.has(id)) outcomes.push(...write.lines);
  }
  for (const { outcome } of outcomes) counts[outcome] += 1;
}

/**
 * An incident new to the store, as the import files it: marked as history. Import never announces anything —
 * the incidents are old news from another store or a shared archive, and a `history` incident gets no alert
 * and no digest — while `/incidents` lists it like any other. A later report arriving as news ends the mark,
 * as it does for a feed's first poll (see assignIncident). The signature is put in its stored form, so that a
 * second import of the same line compares equal.
 */
export function asImported(incident: Incident): Incident {
  const { signature, ...rest } = incident;
  return { ...rest, history: true, ...(signature !== undefined ? { signature: mergedSignature(undefined, signature) } : {}) };
}

/**
 * A stored incident with what an imported line adds: companies, types and sources (by article key)
 * joined within a line's bounds, the earlier first and later last sighting, the higher relevance, the two signatures
 * merged. The stored title, summary, language, recording time and history mark stay: the store's own
 * account wins, and an import never turns history into news. Returns an equal object when the line adds nothing.
 */
export function mergeIncident(stored: Incident, imported: Incident): Incident {
  const relevance = stored.relevance === undefined && imported.relevance === undefined
    ? undefined
    : Math.max(stored.relevance ?? 0, imported.relevance ?? 0);
  const signature = mergedSignature(stored.signature, imported.signature);
  return {
    ...stored,
    companies: joinBounded(stored.companies, imported.companies, MAX_COMPANIES),
    types: union(stored.types, imported.types),
    firstSeen: Date.parse(imported.firstSeen) < Date.parse(stored.firstSeen) ? imported.firstSeen : stored.firstSeen,
    lastSeen: Date.parse(imported.lastSeen) > Date.parse(stored.lastSeen) ? imported.lastSeen : stored.lastSeen,
    ...(relevance !== undefined ? { relevance } : {}),
    sources: joinSources(stored.sources, imported.sources),
    ...(signature !== undefined ? { signature } : {}),
  };
}

function union<T>(first: readonly T[], second: readonly T[]): T[] {
  return [...new Set([...first, ...second])];
}

/** All of `stored`, then what `imported` adds while there is room: a merged incident still exports as a valid line. */
function joinBounded<T>(stored: readonly T[], imported: readonly T[], max: number): T[] {
  const known = new Set(stored);
  return [...stored, ...imported.filter((value) => !known.has(value)).slice(0, Math.max(0, max - stored.length))];
}

/** The stored sources, then the imported ones not among them (by article key) while there is room. */
function joinSources(stored: IncidentSource[], imported: IncidentSource[]): IncidentSource[] {
  const known = new Set(stored.map((source) => source.articleKey));
  return [...stored, ...imported.filter((source) => !known.has(source.articleKey)).slice(0, Math.max(0, MAX_SOURCES - stored.length))];
}

/** Both signatures in one, within a signature's bounds (as grouping merges them); the stored one's entries first. */
function mergedSignature(stored: Signature | undefined, imported: Signature | undefined): Signature | undefined {
  if (imported === undefined) return stored;
  const print: Fingerprint = { numbers: new Map(), named: new Map(), concepts: new Set(), titles: [] };
  absorbSignature(print, imported);
  return toSignature(print, stored);
}

/** A line of input: its text, or why it cannot be read. Numbered from 1. */
export type InputLine = { number: number; text: string } | { number: number; problem: string };

/**
 * Splits a byte stream into lines (LF or CRLF) in bounded memory: a line longer than `maxBytes` is not kept but
 * reported, and reading goes on with the next line. (node:readline would hold an endless line whole.) Lines must
 * be UTF-8; a byte-order mark is dropped.
 */
export async function* readLines(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, maxBytes: number): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;
  let started = false;

  const append = (piece: Buffer): void => {
    if (piece.length === 0) return;
    started = true;
    if (tooLong) return;
    if (size + piece.length > maxBytes) {
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(piece);
    size += piece.length;
  };
  const finish = (): InputLine => {
    number += 1;
    const line = takeLine(number, Buffer.concat(parts, size), tooLong, maxBytes, decoder);
    parts = [];
    size = 0;
    tooLong = false;
    started = false;
    return line;
  };

  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let newline = bytes.indexOf(10, start); newline !== -1; newline = bytes.indexOf(10, start)) {
      append(bytes.subarray(start, newline));
      yield finish();
      start = newline + 1;
    }
    append(bytes.subarray(start));
  }
  if (started) yield finish();
}

function takeLine(number: number, bytes: Buffer, tooLong: boolean, maxBytes: number, decoder: TextDecoder): InputLine {
  if (tooLong) return { number, problem: `the line is longer than ${maxBytes} bytes` };
  const content = bytes.at(-1) === 13 ? bytes.subarray(0, -1) : bytes;
  try {
    return { number, text: decoder.decode(content) };
  } catch {
    return { number, problem: 'the line is not valid UTF-8' };
  }
}
