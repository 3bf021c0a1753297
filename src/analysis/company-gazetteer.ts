import { z } from 'zod';
import type { Company } from '../model/analysis.ts';
import { squashName } from './company-tokens.ts';
import companyData from './data/companies.json' with { type: 'json' };

/**
 * The curated list of companies (src/analysis/data/companies.json) with look-ups along the ownership
 * chain: incidents are filed under the company named in the story, and queries for a parent
 * ("/incidents amazon") also find its subsidiaries' incidents (Ring).
 */
export interface Gazetteer {
  companies: Company[];
  get(id: string): Company | undefined;
  /** Parent ids up to the root, nearest first: ring → ["amazon"]; o2 → ["telefonica-deutschland", "telefonica"]. */
  ancestors(id: string): string[];
  /** All subsidiaries at any depth: telefonica → ["telefonica-deutschland", "o2", "e-plus"]. */
  descendants(id: string): string[];
}

const CompanySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lowercase slug: letters, digits and dashes'),
    name: z.string().trim().min(1).max(100),
    parent: z.string().min(1).optional(),
    aliases: z.array(z.string().trim().min(1).max(100)).max(50),
    sector: z.string().regex(/^[a-z][a-z-]*$/, 'a lowercase sector slug'),
    ambiguous: z.boolean().optional(),
  })
  .strict();

const GazetteerFileSchema = z.object({
  notes: z.array(z.string()).optional(),
  companies: z.array(CompanySchema).min(1),
});

let cached: Gazetteer | undefined;

/** The shipped gazetteer, validated once and cached: broken data fails at start-up, not mid-analysis. */
export function loadGazetteer(): Gazetteer {
  cached ??= buildGazetteer(companyData);
  return cached;
}

/**
 * Validates gazetteer data and builds the look-ups. Throws an error naming the offending entry when ids
 * repeat, a parent is missing, parents form a cycle, or two entries share a name or alias (compared
 * without case, accents and punctuation, the way people type them).
 */
export function buildGazetteer(data: unknown): Gazetteer {
  const parsed = GazetteerFileSchema.safeParse(data);
  if (!parsed.success) throw new Error(`companies.json is invalid: ${z.prettifyError(parsed.error)}`);
  const companies: Company[] = parsed.data.companies;
  const byId = indexById(companies);
  checkParents(companies, byId);
  checkNameCollisions(companies);
  const children = childrenByParent(companies);
  const ancestorCache = new Map<string, string[]>();
  const descendantCache = new Map<string, string[]>();
  return {
    companies,
    get: (id) => byId.get(id),
    ancestors(id) {
      let found = ancestorCache.get(id);
      if (!found) {
        found = walkAncestors(id, byId);
        ancestorCache.set(id, found);
      }
      return [...found];
    },
    descendants(id) {
      let found = descendantCache.get(id);
      if (!found) {
        found = walkDescendants(id, children);
        descendantCache.set(id, found);
      }
      return [...found];
    },
  };
}

function indexById(companies: Company[]): Map<string, Company> {
  const byId = new Map<string, Company>();
  for (const company of companies) {
    if (byId.has(company.id)) throw new Error(`companies.json: duplicate id "${company.id}"`);
    byId.set(company.id, company);
  }
  return byId;
}

function checkParents(companies: Company[], byId: Map<string, Company>): void {
  for (const company of companies) {
    if (company.parent === undefined) continue;
    if (!byId.has(company.parent)) {
      throw new Error(`companies.json: "${company.id}" names parent "${company.parent}", which is not an entry`);
    }
    const seen = new Set([company.id]);
    for (let id: string | undefined = company.parent; id !== undefined; id = byId.get(id)?.parent) {
      if (seen.has(id)) throw new Error(`companies.json: the parent chain of "${company.id}" is a cycle`);
      seen.add(id);
    }
  }
}

/** Ids, names and aliases must each point to one entry, or mentions and queries would be ambiguous. */
function checkNameCollisions(companies: Company[]): void {
  const owner = new Map<string, string>();
  for (const company of companies) {
    for (const name of [company.id, company.name, ...company.aliases]) {
      const key = squashName(name);
      if (key === '') throw new Error(`companies.json: "${company.id}" has a name without letters or digits`);
      const other = owner.get(key);
      if (other !== undefined && other !== company.id) {
        throw new Error(`companies.json: "${name}" of "${company.id}" collides with a name of "${other}"`);
      }
      owner.set(key, company.id);
    }
  }
}

function childrenByParent(companies: Company[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const company of companies) {
    if (company.parent === undefined) continue;
    const list = children.get(company.parent) ?? [];
    list.push(company.id);
    children.set(company.parent, list);
  }
  return children;
}

function walkAncestors(id: string, byId: Map<string, Company>): string[] {
  const chain: string[] = [];
  for (let parent = byId.get(id)?.parent; parent !== undefined; parent = byId.get(parent)?.parent) {
    chain.push(parent);
  }
  return chain;
}

/** Breadth-first, so nearer subsidiaries come first. The data is acyclic (checked at load). */
function walkDescendants(id: string, children: Map<string, string[]>): string[] {
  const found: string[] = [];
  const queue = [...(children.get(id) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}
