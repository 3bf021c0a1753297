import type { IncidentType } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import { predictIncidentType, type IncidentTypeModel } from './predict-incident-type.ts';
import { cueIncidentTypes } from './score-type-cues.ts';

/**
 * Without any cue, the model's first choice must be at least this likely to name a type: a privacy explainer
 * ("So schützen Sie Ihre Daten") has no incident, and a guess among eight types would label it at random.
 */
const MIN_PROBABILITY_WITHOUT_CUES = 0.2;

/**
 * The incident types of a privacy story, primary first; `[]` when the story names no incident.
 *
 * Two sources, each doing what it is best at:
 * - the **primary** type comes from the learned model (predict-incident-type.ts), which generalises to new
 *   phrasings far better than lists of phrasings do (see the README's evaluation figures);
 * - **further** types come from the curated cues (score-type-cues.ts): a type with enough evidence of its own
 *   — the leak behind a fine, the missing consent behind tracking — follows the primary.
 */
export function classifyIncidentTypes(title: string, text: string, language: Language, model?: IncidentTypeModel): IncidentType[] {
  const cues = cueIncidentTypes(title, text, language);
  const [best] = predictIncidentType(title, text, model);
  if (!best || (cues.length === 0 && best.probability < MIN_PROBABILITY_WITHOUT_CUES)) return cues;
  return [best.class, ...cues.filter((type) => type !== best.class)];
}
