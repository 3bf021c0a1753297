import { INCIDENT_TYPES, type IncidentType } from '../model/analysis.ts';
import shippedModel from './data/incident-type-model.json' with { type: 'json' };
import { wordFeatures } from './word-features.ts';
import { checkWordModel, classProbabilities, type ClassProbability, type WordModel } from './word-model.ts';

/**
 * The primary incident type as the learned word model sees it (see word-model.ts for why a model): every type
 * with its probability, most likely first. Trained on the primary types of the labelled development set.
 */
export type IncidentTypeModel = WordModel<IncidentType>;

const SHIPPED: IncidentTypeModel = checkWordModel(shippedModel, INCIDENT_TYPES, 'data/incident-type-model.json');

export function predictIncidentType(
  title: string,
  text: string,
  model: IncidentTypeModel = SHIPPED,
): ClassProbability<IncidentType>[] {
  return classProbabilities(wordFeatures(title, text), model);
}
