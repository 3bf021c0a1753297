import type { Gazetteer } from '../analysis/company-gazetteer.ts';
import type { Incident } from '../model/analysis.ts';
import { MAX_CARD_SOURCES, type Card } from '../model/card.ts';

/** The card for an incident, as every platform shows it. */
export function cardFromIncident(incident: Incident, gazetteer: Gazetteer): Card {
  const first = incident.sources[0];
  return {
    incidentId: incident.id,
    title: incident.title,
    summary: incident.summary,
    companies: shownCompanies(incident.companies, gazetteer).map((id) => {
      const company = gazetteer.get(id);
      const parent = company?.parent === undefined ? undefined : gazetteer.get(company.parent);
      return { id, name: company?.name ?? id, ...(parent ? { parentName: parent.name } : {}) };
    }),
    types: incident.types,
    outlet: first?.outlet ?? '',
    url: first?.url ?? '',
    published: incident.firstSeen,
    language: incident.language,
    sourceCount: incident.sources.length,
    sources: incident.sources.slice(0, MAX_CARD_SOURCES).map(({ outlet, url }) => ({ outlet, url })),
  };
}

/**
 * The companies a card names: a parent that a listed subsidiary already shows in brackets is left out
 * ("Ring (Amazon)", not "Ring (Amazon), Amazon"); the incident itself keeps both for look-ups.
 */
function shownCompanies(ids: readonly string[], gazetteer: Gazetteer): string[] {
  const shownAsParent = new Set(ids.map((id) => gazetteer.get(id)?.parent).filter((p) => p !== undefined));
  return ids.filter((id) => !shownAsParent.has(id));
}
