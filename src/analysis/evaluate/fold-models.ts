import type { LearnedModels } from '../analyse-article.ts';
import type { LabelledItem } from './labelled-set.ts';
import { INCIDENT_TYPE_MODEL, RELEVANCE_MODEL } from './model-examples.ts';
import { trainWordModel } from './train-word-model.ts';

/**
 * The learned models for each file of the labelled set, trained on all *other* files. The shipped models
 * learned from every development item, so measuring them on those items would only show that they remember;
 * with these, each item is judged by models that never saw its writer's batch.
 */
export function trainFoldModels(files: readonly { name: string; items: readonly LabelledItem[] }[]): Map<string, LearnedModels> {
  const folds = new Map<string, LearnedModels>();
  for (const file of files) {
    const others = files.filter((other) => other.name !== file.name).flatMap((other) => other.items);
    folds.set(file.name, {
      relevance: trainWordModel(RELEVANCE_MODEL.examples(others), RELEVANCE_MODEL.classes),
      incidentType: trainWordModel(INCIDENT_TYPE_MODEL.examples(others), INCIDENT_TYPE_MODEL.classes),
    });
  }
  return folds;
}
