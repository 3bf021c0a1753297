import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { INCIDENT_TYPES } from '../../model/analysis.ts';
import { LEAD_MAX_CHARS } from './lead-baseline.ts';

/**
 * The hand-labelled evaluation set (test/analysis/labelled/*.json): realistic feed items written by us, each
 * with what a careful reader takes from it. Validated strictly, because a wrong label silently skews every
 * figure the evaluation prints.
 */

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a lowercase slug');
const MIN_WORDS = 80;
const MAX_WORDS = 250;

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export const LabelledItemSchema = z
  .object({
    id: slug,
    outlet: z.string().min(1),
    feedScope: z.enum(['privacy', 'general']),
    language: z.enum(['de', 'en']),
    published: z.iso.datetime({ offset: true }),
    title: z.string().min(5).max(300),
    text: z
      .string()
      .refine((t) => wordCount(t) >= MIN_WORDS && wordCount(t) <= MAX_WORDS, `between ${MIN_WORDS} and ${MAX_WORDS} words`),
    expected: z
      .object({
        relevant: z.boolean(),
        /** Companies directly involved, most central first (gazetteer ids). */
        companies: z.array(slug),
        /** Primary first; empty for stories that are not about privacy. */
        types: z.array(z.enum(INCIDENT_TYPES)),
        /** Items about the same incident share this label. */
        incident: slug,
        summary: z.string().min(20).max(LEAD_MAX_CHARS),
      })
      .strict()
      .refine((e) => e.relevant || e.types.length === 0, 'an item that is not relevant has no incident types')
      .refine((e) => new Set(e.companies).size === e.companies.length, 'companies are listed once')
      .refine((e) => new Set(e.types).size === e.types.length, 'types are listed once'),
  })
  .strict();

export type LabelledItem = z.infer<typeof LabelledItemSchema>;

/** Checks that need the whole set: unique ids, and incident labels that never mix relevant and irrelevant items. */
function checkSet(items: LabelledItem[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) problems.push(`duplicate id ${item.id}`);
    seen.add(item.id);
  }
  const relevanceByIncident = new Map<string, boolean>();
  for (const item of items) {
    const known = relevanceByIncident.get(item.expected.incident);
    if (known !== undefined && known !== item.expected.relevant) {
      problems.push(`incident ${item.expected.incident} mixes relevant and irrelevant items (${item.id})`);
    }
    relevanceByIncident.set(item.expected.incident, item.expected.relevant);
  }
  return problems;
}

/** Parses and validates items; throws one error naming every problem (file, item, field). */
export function parseLabelledSet(files: { name: string; content: unknown }[]): LabelledItem[] {
  return parseLabelledFiles(files).flatMap((file) => file.items);
}

/** {@link parseLabelledSet}, keeping each file's items apart. */
function parseLabelledFiles(files: { name: string; content: unknown }[]): { name: string; items: LabelledItem[] }[] {
  const parsedFiles: { name: string; items: LabelledItem[] }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const parsed = z.array(LabelledItemSchema).safeParse(file.content);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${file.name}: ${issue.path.join('.')}: ${issue.message}`);
    } else parsedFiles.push({ name: file.name, items: parsed.data });
  }
  problems.push(...checkSet(parsedFiles.flatMap((file) => file.items)));
  if (problems.length > 0) throw new Error(`The labelled set is invalid:\n  ${problems.join('\n  ')}`);
  return parsedFiles;
}

/** In feed order: by publication time, ties by id, so grouping sees items as a poller would. */
export function sortByPublished(items: readonly LabelledItem[]): LabelledItem[] {
  return [...items].sort((a, b) => Date.parse(a.published) - Date.parse(b.published) || a.id.localeCompare(b.id));
}

/** Loads every *.json file of the folder (each an array of items), validated and sorted by publication time. */
export function loadLabelledSet(dir: string): LabelledItem[] {
  return sortByPublished(loadLabelledFiles(dir).flatMap((file) => file.items));
}

/**
 * The folder's files with their validated items, by file name. A file is one writer's batch: cross-validation
 * leaves whole files out, so that a model is judged on a writer it never learned from.
 */
export function loadLabelledFiles(dir: string): { name: string; items: LabelledItem[] }[] {
  const names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  if (names.length === 0) throw new Error(`No labelled items (*.json) in ${dir}`);
  const files = names.map((name) => ({ name, content: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as unknown }));
  return parseLabelledFiles(files);
}
