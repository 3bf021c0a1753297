import { INCIDENT_TYPES, type IncidentType } from '../../model/analysis.ts';
import { RELEVANCE_CLASSES, relevanceFeatures } from '../predict-relevance.ts';
import { wordFeatures } from '../word-features.ts';
import type { LabelledItem } from './labelled-set.ts';
import type { WordExample } from './train-word-model.ts';

/**
 * What each learned model learns from a labelled item. One place, so that training, cross-validation and the
 * check of the shipped files read the labels the same way.
 */

type RelevanceClass = (typeof RELEVANCE_CLASSES)[number];

/** Every item: a privacy story or not. */
export function relevanceExamples(items: readonly LabelledItem[]): WordExample<RelevanceClass>[] {
  return items.map((item) => ({
    id: item.id,
    features: relevanceFeatures(item.title, item.text, item.feedScope),
    label: item.expected.relevant ? 'relevant' : 'other',
  }));
}

/** Privacy stories with an incident: their primary type. */
export function incidentTypeExamples(items: readonly LabelledItem[]): WordExample<IncidentType>[] {
  return items.flatMap((item) => {
    const primary = item.expected.types[0];
    return item.expected.relevant && primary ? [{ id: item.id, features: wordFeatures(item.title, item.text), label: primary }] : [];
  });
}

/** A learned model: its classes, what it learns from each item, and its file in src/analysis/data/. */
export interface ModelSpec<C extends string> {
  name: string;
  classes: readonly C[];
  examples(items: readonly LabelledItem[]): WordExample<C>[];
  file: string;
}

export const INCIDENT_TYPE_MODEL: ModelSpec<IncidentType> = {
  name: 'incident-type',
  classes: INCIDENT_TYPES,
  examples: incidentTypeExamples,
  file: 'incident-type-model.json',
};

export const RELEVANCE_MODEL: ModelSpec<RelevanceClass> = {
  name: 'relevance',
  classes: RELEVANCE_CLASSES,
  examples: relevanceExamples,
  file: 'relevance-model.json',
};
