import { z } from 'zod';
import type { Language } from '../model/feed.ts';
import { detectLanguage } from './detect-language.ts';
import { SUMMARY_MAX_CHARS, type SummaryInput } from './summarise-extractive.ts';

/** Where and how to reach an OpenAI-compatible chat endpoint (a local model server or a hosted one). */
export interface LlmSettings {
  /** e.g. `http://127.0.0.1:11434/v1` or `http://127.0.0.1:8080`; `/v1/chat/completions` is appended as needed. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** The whole exchange, answer included, must finish within this. */
  timeoutMs: number;
}

/** The summary to show, and whether it came from the model or is the extractive fallback (then with the reason). */
export interface LlmSummaryResult {
  summary: string;
  source: 'llm' | 'extractive';
  reason?: string;
}

/** How much of the article the model sees: the gist of a news story is at its start, and prompts cost time. */
export const LLM_INPUT_CHARS = 6_000;
/** A chat answer for two sentences is a few kilobytes at most; a larger body is refused unread. */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** Bounds for a configured time-out, so a typo cannot make a request wait for hours or fail at once. */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 120_000;

const SYSTEM_PROMPTS: Record<Language, string> = {
  de:
    'Du fasst Nachrichtenartikel über Datenschutz zusammen. Antworte auf Deutsch mit genau zwei neutralen, ' +
    'sachlichen Sätzen: wer hat was mit wessen Daten getan, und mit welcher Folge. Keine Meinung, keine Wertung, ' +
    'kein Markdown, keine Links, keine Anrede, höchstens 300 Zeichen.',
  en:
    'You summarise news articles about privacy. Answer in English with exactly two neutral, factual sentences: ' +
    'who did what with whose data, and with what consequence. No opinions, no judgement, no markdown, no links, ' +
    'no greeting, at most 300 characters.',
};

const ChatCompletion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
});

const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B\uFEFF]/g;
const WHITESPACE_RUN = /\s+/g;
const WRAPPING_QUOTES = /^["„“”'»«]+([^"„“”»«]*)["“”'«»]+$/u;
/**
 * What a card must never show from a model: HTML or Discord markup (`<`, `>`, `<@id>`), links, mass mentions and
 * @-mentions (Discord, Matrix), Markdown emphasis, code and links, or a heading.
 */
const MARKUP_OR_MENTION = /[<>`]|@everyone|@here|@[\p{L}\p{N}_]|https?:|www\.|\]\(|\*\*|__|^#/iu;

/**
 * A summary written by a language model, for a more readable card than the extractive one. The model is only a
 * refinement and is never trusted: on any failure — network error, time-out, non-200 status, an oversized or
 * malformed response, an empty answer, one over SUMMARY_MAX_CHARS characters, one with markup, links or mentions,
 * or one in the wrong language — the given extractive `fallback` is returned with `source: 'extractive'` and the
 * reason. Never throws.
 */
export async function summariseWithLlm(
  input: SummaryInput,
  settings: LlmSettings,
  fallback: string,
): Promise<LlmSummaryResult> {
  const language: Language = input.language === 'en' ? 'en' : 'de';
  try {
    const answer = await requestSummary(input, language, settings);
    const problem = answerProblem(answer, language);
    if (problem) return { summary: fallback, source: 'extractive', reason: problem };
    return { summary: answer, source: 'llm' };
  } catch (error) {
    return { summary: fallback, source: 'extractive', reason: describeFailure(error) };
  }
}

/** The endpoint URL: `baseUrl` with `/v1/chat/completions`, or just `/chat/completions` when it already ends in `/v1`. */
export function chatCompletionsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

/** Sends the request and returns the model's answer, whitespace folded. Throws on any failure, with a readable message. */
async function requestSummary(input: SummaryInput, language: Language, settings: LlmSettings): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  const title = String(input.title ?? '').slice(0, 1_000);
  const text = String(input.text ?? '').slice(0, LLM_INPUT_CHARS);
  const response = await fetch(chatCompletionsUrl(settings.baseUrl), {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: settings.model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPTS[language] },
        { role: 'user', content: `${title}\n\n${text}` },
      ],
      temperature: 0.2,
      stream: false,
    }),
    signal: AbortSignal.timeout(clampTimeout(settings.timeoutMs)),
    redirect: 'error',
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${response.status}`);
  }
  const body = await readCapped(response, MAX_RESPONSE_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('malformed JSON');
  }
  const parsed = ChatCompletion.safeParse(json);
  if (!parsed.success) throw new Error('unexpected response shape');
  return tidyAnswer(parsed.data.choices[0]!.message.content);
}

function clampTimeout(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs)) return MAX_TIMEOUT_MS;
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, Math.round(timeoutMs)));
}

/** Reads the body as UTF-8 text, refusing one larger than `maxBytes` (the rest is not downloaded). */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error('response too large');
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** Control characters out, whitespace folded, and quotes around the whole answer removed. */
function tidyAnswer(content: string): string {
  const folded = content.replace(CONTROL_CHARS, ' ').replace(WHITESPACE_RUN, ' ').trim();
  return folded.replace(WRAPPING_QUOTES, '$1').trim();
}

/** Why the answer cannot be shown, or undefined when it can. */
function answerProblem(answer: string, language: Language): string | undefined {
  if (!answer) return 'empty answer';
  if (answer.length > SUMMARY_MAX_CHARS) return `answer too long (${answer.length} characters)`;
  if (MARKUP_OR_MENTION.test(answer)) return 'answer contains markup, a link or a mention';
  if (!isInLanguage(answer, language)) return `answer not in ${language === 'de' ? 'German' : 'English'}`;
  return undefined;
}

/**
 * The answer must be recognisably in the article's language: when the detector cannot tell (too short, too
 * mixed), it answers with the other language, so a doubtful answer is refused rather than shown.
 */
function isInLanguage(answer: string, language: Language): boolean {
  return detectLanguage(answer, language === 'de' ? 'en' : 'de') === language;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`.slice(0, 200);
  }
  return 'request failed';
}
