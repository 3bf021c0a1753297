import type { Language } from '../model/feed.ts';
import stopwords from './data/language-stopwords.json' with { type: 'json' };

/** Enough text to tell German from English; reading more changes no decision. */
const MAX_SCANNED_CHARS = 5_000;
/** Below this much evidence (stopword hits plus umlaut bonus) the text is too short to judge. */
const MIN_EVIDENCE = 3;
/** The winning language needs at least this multiple of the other's evidence. */
const MIN_RATIO = 2;
/** Umlauts and ß are German evidence, but a name like "Telefónica" or "Müller" must not decide alone. */
const UMLAUT_WEIGHT = 0.5;
const MAX_UMLAUT_EVIDENCE = 3;

const GERMAN = new Set(stopwords.de.map((word) => word.toLowerCase()));
const ENGLISH = new Set(stopwords.en.map((word) => word.toLowerCase()));
const WORD = /\p{L}+/gu;
const UMLAUT = /[äöüß]/gu;

/**
 * Whether a text is German or English, by counting function words of each language (plus a little evidence
 * from umlauts). Feeds declare a language, but outlets mix in items of the other one; the analysis needs the
 * article's own language to pick cues and write the summary. Returns `fallback` (normally the feed's
 * language) when the text is too short or too mixed to say.
 */
export function detectLanguage(text: string, fallback: Language): Language {
  const sample = text.slice(0, MAX_SCANNED_CHARS).toLowerCase();
  let german = 0;
  let english = 0;
  for (const [word] of sample.matchAll(WORD)) {
    if (GERMAN.has(word)) german++;
    else if (ENGLISH.has(word)) english++;
  }
  german += Math.min(MAX_UMLAUT_EVIDENCE, (sample.match(UMLAUT)?.length ?? 0) * UMLAUT_WEIGHT);
  if (german + english < MIN_EVIDENCE) return fallback;
  if (german >= english * MIN_RATIO) return 'de';
  if (english >= german * MIN_RATIO) return 'en';
  return fallback;
}
