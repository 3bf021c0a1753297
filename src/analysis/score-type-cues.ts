import { INCIDENT_TYPES, type IncidentType } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import typeCues from './data/incident-type-cues.json' with { type: 'json' };
import {
  compileCueSet,
  distinctEvidence,
  evidence,
  matchCues,
  tokenize,
  type CompiledCueSet,
  type CueSetData,
  type TokenizedText,
} from './match-cues.ts';

/** The analysis reads at most this much of a title and a text. */
const MAX_TITLE_CHARS = 1_000;
const MAX_TEXT_CHARS = 20_000;
/** A headline names the incident: each title cue counts this many times a body cue. */
const TITLE_FACTOR = 3;
/**
 * Title evidence per type beyond this adds nothing: a headline names an act once, and overlapping cues for the
 * same words ("Behörde verhängt Bußgeld" is a term, a verb and two acts) must not drown a second type.
 */
const TITLE_CAP = 4;
/** Body evidence beyond this adds nothing, so a long article cannot bury its headline's type. */
const BODY_CAP = 12;
/** A type needs at least this much evidence: one strong cue, or a few weaker ones. */
const MIN_TYPE_EVIDENCE = 3;
/** A secondary type needs at least this fraction of the strongest type's evidence. */
const SECONDARY_FRACTION = 0.5;
/** A type leads by its place in the title only when its title evidence is at least this fraction of the best. */
const LEADING_TITLE_FRACTION = 0.5;

type TypeCueData = Record<Language, CueSetData>;
const TYPE_DATA: Record<IncidentType, TypeCueData> = typeCues.types;

const CUE_SETS: Record<Language, readonly (readonly [IncidentType, CompiledCueSet])[]> = {
  de: INCIDENT_TYPES.map((type) => [type, compileCueSet(TYPE_DATA[type].de)] as const),
  en: INCIDENT_TYPES.map((type) => [type, compileCueSet(TYPE_DATA[type].en)] as const),
};

interface TypeEvidence {
  type: IncidentType;
  title: number;
  total: number;
  /** Index of the first title token that is evidence for this type; Infinity when the title has none. */
  titlePosition: number;
}

function scoreType(type: IncidentType, set: CompiledCueSet, title: TokenizedText, body: TokenizedText): TypeEvidence {
  const titleHits = matchCues(title, set).filter((hit) => hit.weight > 0);
  const bodyHits = matchCues(body, set).filter((hit) => hit.weight > 0);
  const titleEvidence = Math.min(TITLE_CAP, distinctEvidence(titleHits));
  return {
    type,
    title: titleEvidence,
    total: TITLE_FACTOR * titleEvidence + Math.min(BODY_CAP, evidence(bodyHits)),
    titlePosition: titleHits.reduce((first, hit) => Math.min(first, hit.firstToken), Number.POSITIVE_INFINITY),
  };
}

/**
 * The incident types the curated cue lists find in a story, strongest first; `[]` when no cue points to a type.
 * classify-incident-types.ts takes the primary type from the learned model and the further types from here.
 *
 * Each type is scored from weighted cues (curated in `data/incident-type-cues.json`); title cues count three
 * times. A type is kept when it has at least half the evidence of the strongest type.
 *
 * Order — the title's main act first: headlines lead with what happened and add the cause after it
 * ("Bußgeld gegen X wegen Datenleck" → enforcement, breach; "App trackt Nutzer ohne Einwilligung" → tracking,
 * unlawful_processing). So types with strong title evidence come first, in the order their cues appear in the
 * title; the others follow by score. A headline that leads with the cause ("Nach Datenleck: Bußgeld …") is
 * read the same way, cause first — a deliberate, predictable simplification.
 */
export function cueIncidentTypes(title: string, text: string, language: Language): IncidentType[] {
  const titleTokens = tokenize(title, MAX_TITLE_CHARS);
  const bodyTokens = tokenize(text, MAX_TEXT_CHARS);
  const sets = CUE_SETS[language] ?? CUE_SETS.de;
  return orderByCues(sets.map(([type, set]) => scoreType(type, set, titleTokens, bodyTokens)));
}

function orderByCues(scored: readonly TypeEvidence[]): IncidentType[] {
  const best = Math.max(0, ...scored.map((s) => s.total));
  if (best < MIN_TYPE_EVIDENCE) return [];
  const kept = scored.filter((s) => s.total >= MIN_TYPE_EVIDENCE && s.total >= SECONDARY_FRACTION * best);
  const bestTitle = Math.max(0, ...kept.map((s) => s.title));
  const leads = (s: TypeEvidence): boolean => s.title > 0 && s.title >= LEADING_TITLE_FRACTION * bestTitle;
  return kept
    .sort((a, b) => {
      if (leads(a) !== leads(b)) return leads(a) ? -1 : 1;
      if (leads(a) && a.titlePosition !== b.titlePosition) return a.titlePosition - b.titlePosition;
      return b.total - a.total || INCIDENT_TYPES.indexOf(a.type) - INCIDENT_TYPES.indexOf(b.type);
    })
    .map((s) => s.type);
}
