import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { cleanArticleText } from './clean-article-text.ts';
import boilerplate from './data/boilerplate.json' with { type: 'json' };
import { htmlToText } from './html-to-text.ts';

/** The story found on an article page. */
export interface ExtractedArticle {
  /** The page's title as Readability read it (document title, Open Graph, JSON-LD). */
  title?: string;
  /** The story only: paragraphs joined by "\n\n", at most 100,000 characters (the cleaner's bound). */
  text: string;
  /** The page's declared language ("de", "en-GB"), when it declares a well-formed one. */
  lang?: string;
  /** The author line, when the page names one. */
  byline?: string;
}

/** Pages are cut here (characters); an article page is a fraction of it. */
const MAX_HTML_CHARS = 5 * 1024 * 1024;

/**
 * Readability's work grows with the number of elements and steeply with their nesting depth
 * (linkedom keeps the tree as a linked list, so walking deep trees is costly): a crafted page
 * 3,000 levels deep takes minutes, one at these limits a few seconds. Real article pages stay
 * well below both; pages beyond them are given up on, and the caller keeps the feed's own text.
 */
const MAX_ELEMENTS = 20_000;
const MAX_DEPTH = 100;

/**
 * Readability scores and cleans every container by walking everything inside it, so its work grows with the
 * elements times their depth: a page within the markup budget above, 19,000 elements under 98 nested divs, took
 * 15 seconds. So what Readability will read — the document once clutter is removed, which takes navigation,
 * comments and footers off real pages — must also stay within these: at most this many elements, and at most
 * this sum of every element's depth (its number of element ancestors). A page at these limits takes about a
 * second; a long real article stays far below both (bench/hostile-inputs.ts measures it).
 */
const MAX_READ_ELEMENTS = 8_000;
const MAX_READ_DEPTH_SUM = 100_000;

/** Longest title and byline kept; anything longer is not a title. */
const MAX_TITLE_CHARS = 300;
const MAX_BYLINE_CHARS = 200;

/** A list whose items are mostly links to the site's own pages is a related-article list. */
const MIN_LINK_SHARE = 0.5;

/** The parts of linkedom's DOM used here (the project compiles without the DOM library). */
interface PageElement {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly children: ArrayLike<PageElement>;
  readonly parentElement: PageElement | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
  remove(): void;
}

interface PageDocument {
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
}

// ---------------------------------------------------------------------------------------------
// Size budget, checked on the markup before any tree is built

/** Elements that never nest (void) or close themselves implicitly; they do not deepen the tree. */
const FLAT_ELEMENTS = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option', 'optgroup', 'thead', 'tbody', 'tfoot', 'colgroup', 'caption',
  'rb', 'rt', 'rtc', 'rp', 'html', 'head', 'body',
]);

/** Elements whose content is text, not markup ("<div" inside a script is no element), with their end tag. */
const RAW_TEXT_END = new Map(['script', 'style', 'textarea', 'title'].map((name) => [name, new RegExp(`</${name}`, 'gi')]));

/**
 * Whether the page has more elements or deeper nesting than the budget allows. One forward
 * scan that skips comments and raw-text elements in one step each, so the work is linear.
 */
function exceedsBudget(html: string): boolean {
  const tags = /<!--|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)/g;
  let elements = 0;
  let depth = 0;
  for (let match = tags.exec(html); match !== null; match = tags.exec(html)) {
    const name = match[2]?.toLowerCase();
    if (name === undefined) {
      const end = html.indexOf('-->', tags.lastIndex);
      if (end < 0) return false;
      tags.lastIndex = end + 3;
    } else if (match[1] === '/') {
      if (!FLAT_ELEMENTS.has(name) && depth > 0) depth--;
    } else {
      if (++elements > MAX_ELEMENTS) return true;
      const close = RAW_TEXT_END.get(name);
      if (close !== undefined) {
        close.lastIndex = tags.lastIndex;
        if (close.exec(html) === null) return false;
        tags.lastIndex = close.lastIndex;
      } else if (!FLAT_ELEMENTS.has(name) && ++depth > MAX_DEPTH) {
        return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Clutter removal before Readability

const { html: htmlClutter } = boilerplate;

const REMOVE_SELECTOR = htmlClutter.removeSelectors.join(', ');
const GUARDED_SELECTOR = htmlClutter.guardedSelectors.join(', ');
const CLUTTER_WORDS = new Set(Object.values(htmlClutter.clutterWords).flat());
const CLUTTER_PAIRS = new Set(htmlClutter.clutterWordPairs.map((pair) => pair.join(' ')));

/** Never removed by their class or id: the page and the article container itself. */
const PROTECTED_TAGS = new Set(['HTML', 'BODY', 'MAIN', 'ARTICLE']);

/** Whatever holds one of these holds the article: a wrapper named "with-sidebar-ads" must stay. */
const ARTICLE_MARKERS = 'main, [itemprop="articleBody"], h1';

/**
 * The elements that hold the article: every h1 and every ancestor of a marker. Found in one walk up from each
 * marker, stopping where an earlier walk passed (markers come in document order, ancestors first), rather than
 * by searching each candidate's subtree: nested boxes named after clutter made that quadratic. Removing
 * elements that hold no marker never changes the set.
 */
function articleHolders(document: PageDocument): Set<PageElement> {
  const holders = new Set<PageElement>();
  for (const marker of Array.from(document.querySelectorAll(ARTICLE_MARKERS))) {
    if (marker.tagName === 'H1') holders.add(marker);
    for (let parent = marker.parentElement; parent !== null && !holders.has(parent); parent = parent.parentElement) holders.add(parent);
  }
  return holders;
}

/** The words of a class or id token: "relatedArticles", "teaser_list", "ad-slot" → words. */
function nameWords(token: string): string[] {
  return token
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** Whether the element's class or id names clutter: ads, newsletter, related, comments, share, … */
function hasClutterName(element: PageElement): boolean {
  const names = `${element.getAttribute('class') ?? ''} ${element.getAttribute('id') ?? ''}`;
  return names.split(/\s+/).some((token) => {
    const words = nameWords(token.slice(0, 100));
    return words.some((word, i) => CLUTTER_WORDS.has(word) || CLUTTER_PAIRS.has(`${word} ${words[i + 1] ?? ''}`));
  });
}

function removeClutter(document: PageDocument): void {
  for (const element of Array.from(document.querySelectorAll(REMOVE_SELECTOR))) element.remove();
  const holders = articleHolders(document);
  for (const element of Array.from(document.querySelectorAll(GUARDED_SELECTOR))) {
    if (!holders.has(element)) element.remove();
  }
  for (const element of Array.from(document.querySelectorAll('[class], [id]'))) {
    if (!PROTECTED_TAGS.has(element.tagName) && hasClutterName(element) && !holders.has(element)) element.remove();
  }
}

/**
 * Whether the document left for Readability exceeds its budget. One pass in document order, where every
 * parent comes before its children, so each element's depth is its parent's plus one.
 */
function exceedsReadingBudget(document: PageDocument): boolean {
  const elements = Array.from(document.querySelectorAll('*'));
  if (elements.length > MAX_READ_ELEMENTS) return true;
  const depths = new Map<PageElement, number>();
  let depthSum = 0;
  for (const element of elements) {
    const parent = element.parentElement;
    const depth = parent === null ? 0 : (depths.get(parent) ?? 0) + 1;
    depths.set(element, depth);
    depthSum += depth;
    if (depthSum > MAX_READ_DEPTH_SUM) return true;
  }
  return false;
}

function foldWhitespace(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function isSiteLink(href: string | null, page: URL): boolean {
  if (href === null) return false;
  try {
    return new URL(href, page).host === page.host;
  } catch {
    return false;
  }
}

/** A list whose every item is mostly a link to the site's own pages ("Mehr zum Thema" lists). */
function isSiteLinkList(list: PageElement, page: URL): boolean {
  const items = Array.from(list.children).filter((child) => child.tagName === 'LI');
  return (
    items.length >= 2 &&
    items.every((item) => {
      const links = Array.from(item.querySelectorAll('a[href]'));
      const linkChars = links.reduce((sum, link) => sum + foldWhitespace(link.textContent).length, 0);
      const itemChars = foldWhitespace(item.textContent).length;
      return itemChars > 0 && linkChars >= MIN_LINK_SHARE * itemChars && links.every((link) => isSiteLink(link.getAttribute('href'), page));
    })
  );
}

function isInList(element: PageElement): boolean {
  for (let parent = element.parentElement; parent !== null; parent = parent.parentElement) {
    if (parent.tagName === 'UL' || parent.tagName === 'OL') return true;
  }
  return false;
}

/**
 * Removes lists of links to the site's own other pages: related articles, topic pages. Links to
 * other sites may be the story's sources, so only the page's own host counts. Only outermost
 * lists are judged (a nested one goes with its list): judging every level of lists nested in
 * lists would read the innermost items once per level.
 */
function removeSiteLinkLists(document: PageDocument, pageUrl: string): void {
  let page: URL;
  try {
    page = new URL(pageUrl);
  } catch {
    return;
  }
  for (const list of Array.from(document.querySelectorAll('ul, ol'))) {
    if (!isInList(list) && isSiteLinkList(list, page)) list.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// Extraction

/** linkedom needs the html element to build a document; fragments and bare bodies get one. */
function parsePage(html: string): PageDocument {
  let page = html;
  if (!/<html[\s>]/i.test(html)) page = /<body[\s>]/i.test(html) ? `<html>${html}</html>` : `<html><body>${html}</body></html>`;
  return (parseHTML(page) as unknown as { document: PageDocument }).document;
}

function boundedText(text: string | null | undefined, max: number): string | undefined {
  const folded = foldWhitespace(text);
  return folded === '' ? undefined : folded.slice(0, max);
}

/** A well-formed language tag ("de", "en-GB"), else undefined: the attribute is page input. */
function languageTag(lang: string | null | undefined): string | undefined {
  const tag = (lang ?? '').trim();
  return /^[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}$/i.test(tag) ? tag : undefined;
}

/** The cleaner's language for a page language tag: its German or English phrases, else both. */
function cleanerLanguage(tag: string | undefined): 'de' | 'en' | undefined {
  const primary = tag?.slice(0, 2).toLowerCase();
  return primary === 'de' || primary === 'en' ? primary : undefined;
}

function extract(html: string, pageUrl: string): ExtractedArticle | undefined {
  const page = html.slice(0, MAX_HTML_CHARS);
  if (exceedsBudget(page)) return undefined;
  const document = parsePage(page);
  removeClutter(document);
  removeSiteLinkLists(document, pageUrl);
  if (exceedsReadingBudget(document)) return undefined;
  const article = new Readability(document).parse();
  if (!article?.content) return undefined;
  const title = boundedText(article.title, MAX_TITLE_CHARS);
  const lang = languageTag(article.lang);
  const text = cleanArticleText(htmlToText(article.content), { title, language: cleanerLanguage(lang) });
  if (text === '') return undefined;
  return { title, text, lang, byline: boundedText(article.byline, MAX_BYLINE_CHARS) };
}

/**
 * Finds the story on an article page, for feeds that carry only a teaser. Clutter is removed
 * first (scripts, navigation, asides, footers, forms, and elements whose class or id names ads,
 * newsletter boxes, related lists, comments, share buttons, paywalls, author boxes, captions),
 * then Readability picks the article, its HTML becomes paragraphs and {@link cleanArticleText}
 * removes what clutter is left in the text. The page is untrusted: it is cut at 5 MB, pages
 * beyond the element and nesting budget are given up on, and any failure inside the parser or
 * Readability (which can throw on odd trees) yields undefined — as does a page without an
 * article. Never throws.
 */
export function extractArticle(html: string, pageUrl: string): ExtractedArticle | undefined {
  if (typeof html !== 'string') return undefined;
  try {
    return extract(html, pageUrl);
  } catch {
    return undefined;
  }
}
