import type { Analysis } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import { assessRelevance } from './assess-relevance.ts';
import { classifyIncidentTypes } from './classify-incident-types.ts';
import { loadGazetteer, type Gazetteer } from './company-gazetteer.ts';
import { detectLanguage } from './detect-language.ts';
import { findUnknownCompanies } from './find-unknown-companies.ts';
import type { IncidentTypeModel } from './predict-incident-type.ts';
import type { RelevanceModel } from './predict-relevance.ts';
import { recogniseCompanies } from './recognise-companies.ts';
import { summariseExtractive } from './summarise-extractive.ts';

/** What the analysis reads of an article. Text beyond this is not needed to judge or summarise a story. */
export const MAX_ANALYSED_CHARS = 20_000;

export interface AnalysisInput {
  title: string;
  text: string;
  /** The feed's language; the text decides when it clearly says otherwise. */
  language?: Language;
  scope: 'privacy' | 'general';
}

/** The learned models the analysis uses; the shipped ones unless given (the evaluation trains its own per fold). */
export interface LearnedModels {
  relevance?: RelevanceModel;
  incidentType?: IncidentTypeModel;
}

export interface Analyser {
  analyse(input: AnalysisInput): Analysis;
}

/**
 * The offline analysis of one article: language, companies (with parents), relevance, incident types and an
 * extractive summary. Synchronous and deterministic; an LLM summary, where configured, refines the summary later.
 */
export function createAnalyser(options: { gazetteer?: Gazetteer; models?: LearnedModels } = {}): Analyser {
  const gazetteer = options.gazetteer ?? loadGazetteer();
  const models = options.models ?? {};
  return {
    analyse(input) {
      const title = input.title.slice(0, 1_000);
      const text = input.text.slice(0, MAX_ANALYSED_CHARS);
      const language = detectLanguage(`${title}\n${text}`, input.language ?? 'de');
      const companies = recogniseCompanies(title, text, gazetteer);
      const relevance = assessRelevance(
        { title, text, language, scope: input.scope, companyCount: companies.length },
        models.relevance,
      );
      const types = relevance.relevant ? classifyIncidentTypes(title, text, language, models.incidentType) : [];
      return {
        language,
        relevance,
        companies,
        unknownCompanies: findUnknownCompanies(title, text, companies, gazetteer),
        types,
        summary: summariseExtractive({ title, text, language, companies: companies.map((c) => c.name) }),
      };
    },
  };
}
