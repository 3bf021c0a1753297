import { completeCompanies, lookupCompany } from '../analysis/lookup-company.ts';
import type { Company } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import type { AutocompleteChoice, ChatServices, CommandContext, Invocation, Reply, StringOption } from './command.ts';
import { t } from './translate.ts';

/** How many subsidiaries a company's display name lists before "and N more". */
const LISTED_SUBSIDIARIES = 3;

/** The `company` option every company command shares: typed name, autocompleted from the gazetteer and the store. */
export function companyOption(description: StringOption['description']): StringOption {
  return { name: 'company', kind: 'string', required: true, maxLength: 100, restOfLine: true, description, autocomplete: suggestCompanies };
}

/**
 * Autocompletion for a company: names and aliases that start with what was typed (or a later word of the name
 * does), those with incidents on record first, each labelled with its count. With nothing typed yet: the
 * companies with the most incidents.
 */
export async function suggestCompanies(typed: string, context: CommandContext, services: ChatServices): Promise<AutocompleteChoice[]> {
  const { gazetteer, store } = services;
  const candidates = typed.trim() === '' ? gazetteer.companies : completeCompanies(typed, 50, gazetteer);
  const own = await store.incidents.ownCounts(candidates.map((c) => c.id));
  // A parent ranks by its subsidiaries' incidents too; shown counts are exact (de-duplicated) below.
  const weight = (company: Company): number =>
    [company.id, ...gazetteer.descendants(company.id)].reduce((sum, id) => sum + (own.get(id) ?? 0), 0);
  const order = new Map(candidates.map((company, i) => [company.id, i]));
  const ranked = [...candidates]
    .sort((a, b) => Number(weight(b) > 0) - Number(weight(a) > 0) || (typed.trim() === '' ? weight(b) - weight(a) : 0) || order.get(a.id)! - order.get(b.id)!)
    .slice(0, 25);
  const counts = await Promise.all(
    ranked.map((company) => (weight(company) === 0 ? 0 : store.incidents.count({ companyIds: [company.id, ...gazetteer.descendants(company.id)] }))),
  );
  return ranked.map((company, i) => ({
    label: counts[i]! > 0 ? `${company.name} — ${t(context.language, 'company.incidentCount', { count: counts[i]! })}` : company.name,
    value: company.id,
  }));
}

export type CompanyResolution = { company: Company } | { reply: Reply };

/**
 * The company a typed name means; otherwise the answer to give: "did you mean …" with a button per suggestion
 * that re-runs `retry` with that company, or a friendly "I don't know it".
 */
export function resolveCompany(query: string, context: CommandContext, services: ChatServices, retry: Invocation): CompanyResolution {
  const { match, suggestions } = lookupCompany(query, services.gazetteer);
  if (match) return { company: match };
  const { language } = context;
  const lines = [t(language, 'company.unknown', { query: query.slice(0, 100) })];
  if (suggestions.length === 0) {
    lines.push(t(language, 'company.noSuggestion'));
    return { reply: { lines, private: true } };
  }
  lines.push(`${t(language, 'company.didYouMean')} ${suggestions.map((c) => c.name).join(', ')}`);
  return {
    reply: {
      lines,
      private: true,
      actions: suggestions.map((company) => ({
        label: company.name,
        invocation: { ...retry, options: { ...retry.options, company: company.id } },
      })),
    },
  };
}

/** "Amazon (with Ring, Alexa, Whole Foods and 2 more)": who a query for the company covers. */
export function companyWithSubsidiaries(company: Company, services: ChatServices, language: Language): string {
  const names = services.gazetteer
    .descendants(company.id)
    .map((id) => services.gazetteer.get(id)?.name)
    .filter((name): name is string => name !== undefined);
  if (names.length === 0) return company.name;
  const listed = names.slice(0, LISTED_SUBSIDIARIES).join(', ');
  const subsidiaries =
    names.length > LISTED_SUBSIDIARIES ? t(language, 'company.andMore', { list: listed, count: names.length - LISTED_SUBSIDIARIES }) : listed;
  return t(language, 'company.withSubsidiaries', { name: company.name, subsidiaries });
}
