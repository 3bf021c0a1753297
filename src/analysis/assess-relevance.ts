import type { Relevance } from '../model/analysis.ts';
import type { Language } from '../model/feed.ts';
import cues from './data/privacy-cues.json' with { type: 'json' };
import {
  compileCueSet,
  distinctEvidence,
  evidence,
  matchCues,
  tokenize,
  type CompiledCueSet,
  type CueHit,
  type CueSetData,
} from './match-cues.ts';
import { predictRelevance, type RelevanceModel } from './predict-relevance.ts';

export interface RelevanceInput {
  title: string;
  text: string;
  language: Language;
  /** The feed's scope: a privacy-only outlet needs less evidence than general tech news. */
  scope: 'privacy' | 'general';
  /** Companies recognised in the item: not evidence by itself, but it makes a privacy story an incident. */
  companyCount: number;
}

/** The analysis reads at most this much of a title and a text. */
const MAX_TITLE_CHARS = 1_000;
const MAX_TEXT_CHARS = 20_000;
/** A headline states what a story is about: each title cue counts this many times a body cue. */
const TITLE_FACTOR = 2;
/** Body evidence beyond this adds nothing: a long article is not more relevant for repeating itself. */
const BODY_CAP = 10;
/** Body evidence counts fully from this much per 100 tokens on; a passing word in a long text counts little. */
const DENSE_EVIDENCE_PER_100_TOKENS = 1.5;
/** Bodies shorter than this many tokens are treated as this long, so a two-line teaser cannot look dense. */
const MIN_BODY_TOKENS = 150;
/** Negative body cues (products, earnings) weigh this much of their value, at most `NEGATIVE_BODY_CAP`. */
const NEGATIVE_BODY_FACTOR = 0.5;
const NEGATIVE_BODY_CAP = 3;
/** A recognised company makes the evidence a little stronger (an incident has an actor); never creates it. */
const COMPANY_FACTOR = 1.1;
/** Evidence e maps to the cue score 1 − exp(−e / SCORE_SCALE): one strong title cue gives about 0.7. */
const SCORE_SCALE = 5;
/** The cue score an item needs on its own, by feed scope; it counts as 0.5 in the combined score. */
const BARS: Record<RelevanceInput['scope'], number> = { privacy: 0.3, general: 0.5 };
/** The combined score an item needs. */
const RELEVANT_FROM = 0.5;
/** At most this many cues are reported. */
const MAX_REPORTED_CUES = 12;

function withShared(section: CueSetData): CueSetData {
  return { terms: { ...cues.shared.terms, ...section.terms }, near: section.near };
}

const CUE_SETS: Record<Language, CompiledCueSet> = {
  de: compileCueSet(withShared(cues.de)),
  en: compileCueSet(withShared(cues.en)),
};
const ADVERTISING_ANYWHERE = compileCueSet({ terms: Object.fromEntries(cues.advertising.anywhere.map((t) => [t, 1])) });
const ADVERTISING_AT_START = compileCueSet({ terms: Object.fromEntries(cues.advertising.atStart.map((t) => [t, 1])) });

/** The deal or advertising marker in a title, if any: such posts are never privacy stories. */
function advertisingMarker(title: string): string | undefined {
  const tokens = tokenize(title, MAX_TITLE_CHARS);
  const anywhere = matchCues(tokens, ADVERTISING_ANYWHERE)[0];
  if (anywhere) return anywhere.label;
  return matchCues(tokens, ADVERTISING_AT_START).find((hit) => hit.firstToken === 0)?.label;
}

/** Body evidence: positive cues scaled by their density, minus a bounded share of negative cues. */
function bodyEvidence(hits: readonly CueHit[], tokenCount: number): number {
  const positive = evidence(hits.filter((hit) => hit.weight > 0));
  const negative = -evidence(hits.filter((hit) => hit.weight < 0));
  const per100 = positive / (Math.max(tokenCount, MIN_BODY_TOKENS) / 100);
  const density = Math.min(1, per100 / DENSE_EVIDENCE_PER_100_TOKENS);
  return Math.min(BODY_CAP, positive) * density - Math.min(NEGATIVE_BODY_CAP, negative * NEGATIVE_BODY_FACTOR);
}

/** The labels that counted, title first, strongest first; negative cues are marked with a leading "-". */
function reportedCues(titleHits: readonly CueHit[], bodyHits: readonly CueHit[]): string[] {
  const byStrength = (a: CueHit, b: CueHit): number => Math.abs(b.weight) * b.count - Math.abs(a.weight) * a.count;
  const labels = [...[...titleHits].sort(byStrength), ...[...bodyHits].sort(byStrength)].map((hit) =>
    hit.weight < 0 ? `-${hit.label}` : hit.label,
  );
  return [...new Set(labels)].slice(0, MAX_REPORTED_CUES);
}

/**
 * Whether an item is a privacy story, with a score in 0…1 and the cues that counted.
 *
 * Two judges, averaged:
 * - **Cues** (curated in `data/privacy-cues.json`): topic words ("Datenleck", "GDPR") and acts ("Videos … an
 *   die Polizei weitergegeben"). Title cues count double; body cues count by density, so one passing
 *   "Datenschutz" in a long product review adds little. Negative cues (product launches, earnings, patches)
 *   pull the score down. The cue score is rescaled so that the feed scope's bar is 0.5.
 * - The **learned word model** (predict-relevance.ts): the probability that stories worded like this one are
 *   privacy stories. It carries over to phrasings no cue list foresaw; the cues keep it honest about words.
 *
 * An item without a single privacy cue is never relevant (the average cannot reach the bar), so a company name
 * alone is no evidence, whatever the model learned about that company. Deal and advertising titles are never
 * relevant. A company name only strengthens cue evidence that is already there.
 */
export function assessRelevance(input: RelevanceInput, model?: RelevanceModel): Relevance {
  const marker = advertisingMarker(input.title);
  if (marker !== undefined) return { relevant: false, score: 0, cues: [`-advertising: ${marker}`] };
  const set = CUE_SETS[input.language] ?? CUE_SETS.de;
  const titleHits = matchCues(tokenize(input.title, MAX_TITLE_CHARS), set);
  const body = tokenize(input.text, MAX_TEXT_CHARS);
  const bodyHits = matchCues(body, set);
  let raw = TITLE_FACTOR * distinctEvidence(titleHits) + bodyEvidence(bodyHits, body.tokens.length);
  if (raw > 0 && input.companyCount > 0) raw *= COMPANY_FACTOR;
  const cueScore = raw > 0 ? 1 - Math.exp(-raw / SCORE_SCALE) : 0;
  const cueVote = Math.min(1, (RELEVANT_FROM * cueScore) / BARS[input.scope]);
  const modelVote = cueVote > 0 ? predictRelevance(input.title, input.text, input.scope, model) : 0;
  const score = Math.round(((cueVote + modelVote) / 2) * 1000) / 1000;
  return { relevant: score >= RELEVANT_FROM, score, cues: reportedCues(titleHits, bodyHits) };
}
