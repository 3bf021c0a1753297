import { createAnalyser, type Analyser, type LearnedModels } from '../analyse-article.ts';
import type { Lineage } from '../assign-incident.ts';
import { loadGazetteer } from '../company-gazetteer.ts';
import { createInMemoryIncidentIndex, findSameIncident, type InMemoryIncidentIndex } from '../group-incidents.ts';

/**
 * The analysis the evaluation drives: the real modules by default. Tests pass stand-ins (an oracle that answers
 * from the labels, a silent analyser) to check the runner's wiring and counting apart from the analysis itself.
 */
export interface AnalysisModules {
  /** `models`: learned models to use instead of the shipped ones (cross-validation passes one set per fold). */
  createAnalyser(models?: LearnedModels): Analyser;
  createInMemoryIncidentIndex(): InMemoryIncidentIndex;
  findSameIncident: typeof findSameIncident;
  loadGazetteer(): Lineage;
}

export const REAL_ANALYSIS_MODULES: AnalysisModules = {
  createAnalyser: (models) => createAnalyser({ models }),
  createInMemoryIncidentIndex,
  findSameIncident,
  loadGazetteer,
};
