import type { IncidentType } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import labels from './data/incident-type-labels.json' with { type: 'json' };

/** The label people read for an incident type, in the given language. */
export function incidentTypeLabel(type: IncidentType, language: Language): string {
  return labels[type][language];
}
