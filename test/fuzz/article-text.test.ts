import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanArticleText, MAX_ARTICLE_CHARS, type CleanOptions } from '../../src/ingest/clean-article-text.ts';
import { extractArticle, type ExtractedArticle } from '../../src/ingest/extract-article.ts';
import { NASTY_PAGES, NASTY_TEXTS } from '../fixtures/nasty-feeds.ts';
import { articlePage, fuzzRuns, hostileText, linkText, mutated, storyText } from './arbitraries.ts';

/**
 * The article cleaner and extractor under attack: any text or page ends in a story (or none), never an
 * exception; the cleaner only ever removes (every paragraph it returns stood in its input), and what
 * comes out is bounded, well-formed text. Time is not asserted here (bench/hostile-inputs.ts measures it).
 */

const repoRoot = path.resolve(import.meta.dirname, '../..');
const articleDir = path.join(repoRoot, 'test/fixtures/articles');
const FIXTURE_PAGES = readdirSync(articleDir)
  .filter((name) => name.endsWith('.html'))
  .map((name) => readFileSync(path.join(articleDir, name), 'utf8'));
const FIXTURE_TEXTS = readdirSync(articleDir)
  .filter((name) => name.endsWith('.txt'))
  .map((name) => readFileSync(path.join(articleDir, name), 'utf8'));

const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/** The input's lines as the cleaner folds them: what every kept paragraph must be taken from. */
function foldedInput(text: string): string {
  return text
    .slice(0, MAX_ARTICLE_CHARS)
    .toWellFormed()
    .split('\n')
    .map((line) => line.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim())
    .join('\n');
}

/** What is wrong with the cleaner's output for `input`. */
function cleanedProblems(input: string, output: string): string[] {
  const problems: string[] = [];
  if (output.length > MAX_ARTICLE_CHARS) problems.push(`longer than ${MAX_ARTICLE_CHARS}`);
  if (!output.isWellFormed()) problems.push('not well-formed');
  if (INVISIBLE.test(output)) problems.push('invisible characters left');
  if (output === '') return problems;
  const source = foldedInput(input);
  for (const paragraph of output.split('\n\n')) {
    if (paragraph === '' || paragraph !== paragraph.trim() || /[\n\t\r]/.test(paragraph)) problems.push(`badly folded paragraph ${JSON.stringify(paragraph.slice(0, 60))}`);
    else if (!source.includes(paragraph)) problems.push(`paragraph not from the input: ${JSON.stringify(paragraph.slice(0, 60))}`);
  }
  return problems;
}

/** What is wrong with an extracted article. */
function extractedProblems(article: ExtractedArticle | undefined): string[] {
  if (article === undefined) return [];
  const problems: string[] = [];
  if (article.text === '' || article.text.length > MAX_ARTICLE_CHARS || !article.text.isWellFormed()) problems.push('text empty, too long or not well-formed');
  if (article.title !== undefined && (article.title === '' || article.title.length > 300)) problems.push('bad title');
  if (article.byline !== undefined && (article.byline === '' || article.byline.length > 200)) problems.push('bad byline');
  if (article.lang !== undefined && !/^[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}$/i.test(article.lang)) problems.push(`bad lang ${article.lang}`);
  return problems;
}

const cleanOptions: fc.Arbitrary<CleanOptions> = fc.record(
  { title: hostileText(8), language: fc.constantFrom('de' as const, 'en' as const, 'fr' as unknown as 'de') },
  { requiredKeys: [] },
);

describe('cleanArticleText: arbitrary text', () => {
  it('keeps only paragraphs from its input, folded, bounded and well-formed', () => {
    fc.assert(
      fc.property(fc.oneof(storyText(), hostileText(80)), cleanOptions, (text, options) => {
        expect(cleanedProblems(text, cleanArticleText(text, options))).toEqual([]);
      }),
      fuzzRuns(500),
    );
  });

  it('keeps only paragraphs from its input when real article texts are cut, spliced and garbled', () => {
    fc.assert(
      fc.property(mutated(fc.constantFrom(...FIXTURE_TEXTS), 6), cleanOptions, (text, options) => {
        expect(cleanedProblems(text, cleanArticleText(text, options))).toEqual([]);
      }),
      fuzzRuns(300),
    );
  });

  it('returns nothing for what is not a string', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        fc.pre(typeof junk !== 'string');
        expect(cleanArticleText(junk as string)).toBe('');
      }),
      fuzzRuns(100),
    );
  });

  it.each(NASTY_TEXTS.map((text) => [text.name, text] as const))('cleans the nasty text %s', (_name, nasty) => {
    const input = nasty.build();
    expect(cleanedProblems(input, cleanArticleText(input, { title: input.slice(0, 200) }))).toEqual([]);
  });

  it('stays well-formed when the 100,000-character cut halves an emoji (it used to leave half of it)', () => {
    const text = cleanArticleText(`x${'🔒'.repeat(60_000)}`);
    expect(text.isWellFormed()).toBe(true);
    expect(text.length).toBe(MAX_ARTICLE_CHARS);
  });
});

describe('extractArticle: arbitrary pages', () => {
  it('finds a bounded, well-formed story or none in random element trees', () => {
    fc.assert(
      fc.property(articlePage, linkText, (html, url) => {
        expect(extractedProblems(extractArticle(html, url))).toEqual([]);
      }),
      fuzzRuns(150),
    );
  });

  it('finds a bounded, well-formed story or none in cut, spliced and garbled real pages', () => {
    fc.assert(
      fc.property(mutated(fc.constantFrom(...FIXTURE_PAGES), 6), (html) => {
        expect(extractedProblems(extractArticle(html, 'https://news.example/artikel'))).toEqual([]);
      }),
      fuzzRuns(150),
    );
  });

  it.each(NASTY_PAGES.map((page) => [page.name, page] as const))('survives the nasty page %s', (_name, page) => {
    expect(extractedProblems(extractArticle(page.build(), 'https://nasty.example/artikel'))).toEqual([]);
  });
});

describe('extractArticle: the reading budget', () => {
  const story = 'Die Aufsichtsbehörde hat gegen den Anbieter ein Bußgeld verhängt, weil er Kundendaten ohne Rechtsgrundlage weitergegeben hat.';

  it('gives up on a page within the markup budget that would keep Readability busy for seconds', () => {
    // 19,000 elements under 98 nested divs: within the markup budget, and 15 seconds of Readability before.
    const page = `<html><body>${'<div>'.repeat(98)}<p>${story}</p>${'<span>a</span>'.repeat(19_000)}</body></html>`;
    expect(extractArticle(page, 'https://news.example/a')).toBeUndefined();
  });

  it('still reads a long story in a deeply wrapped page with navigation, comments and footer', () => {
    const wrap = (depth: number, inner: string): string => `${'<div class="wrapper">'.repeat(depth)}${inner}${'</div>'.repeat(depth)}`;
    const paragraphs = Array.from({ length: 300 }, (_, i) => `<p>Absatz ${i}: ${story} <a href="https://quelle.example/${i}">Quelle</a> <em>wichtig</em></p>`).join('');
    const comment = wrap(4, '<div class="comment"><div class="meta"><span>Name</span><time>heute</time></div><p>Ein Kommentar.</p><button>Antworten</button></div>');
    const page = `<html><body>${wrap(
      25,
      `<header><nav><ul>${'<li><a href="/r">Rubrik</a></li>'.repeat(300)}</ul></nav></header>` +
        `<main><article><h1>Überschrift</h1>${wrap(5, paragraphs)}</article><section id="comments">${comment.repeat(500)}</section></main>` +
        `<footer>${'<ul><li><a href="/f">Link</a></li></ul>'.repeat(200)}</footer>`,
    )}</body></html>`;
    const text = extractArticle(page, 'https://news.example/a')?.text;
    expect(text?.startsWith('Absatz 0:')).toBe(true);
    expect(text).toContain('Absatz 299:');
  });
});
