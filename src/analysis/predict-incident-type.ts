import { INCIDENT_TYPES, type IncidentType } from '../model/analysis.ts';
import { wordFeatures } from './word-features.ts';
import { classProbabilities, shippedWordModel, type ClassProbability, type WordModel } from './word-model.ts';

/**
 * The primary incident type as the learned word model sees it (see word-model.ts for why a model): every type
 * with its probability, most likely first. Trained on the primary types of the labelled development set.
 */
export type IncidentTypeModel = WordModel<IncidentType>;

const shipped = shippedWordModel(new URL('./data/incident-type-model.json', import.meta.url), INCIDENT_TYPES);

export function predictIncidentType(
  title: string,
  text: string,
  model: IncidentTypeModel = shipped(),
): ClassProbability<IncidentType>[] {
  return classProbabilities(wordFeatures(title, text), model);
}
