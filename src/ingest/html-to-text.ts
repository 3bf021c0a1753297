import { decodeHTMLStrict } from 'entities/decode';

/*
 * A single linear scan over the HTML instead of a DOM per item: feeds carry thousands of short
 * fragments and building a document for each would cost more than parsing the feed itself.
 * Every step moves forward through the input, so the work is linear in its length whatever
 * the markup looks like (unclosed tags, stray '<', unterminated comments, …).
 */

/** Elements whose content is never story text (code, styling, embedded objects, form controls). */
const DROPPED_WITH_CONTENT = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'svg',
  'math',
  'head',
  'title',
  'textarea',
  'select',
]);

/** Elements that start a new paragraph in the text. */
const BLOCK_ELEMENTS = new Set([
  'p',
  'br',
  'div',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'hr',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'nav',
  'main',
  'figure',
  'figcaption',
  'table',
  'tr',
  'address',
  'details',
  'summary',
]);

/** Elements that separate words without starting a paragraph (table cells). */
const WORD_SEPARATORS = new Set(['td', 'th']);

/**
 * Characters removed from the text: C0/C1 controls other than the whitespace ones (those fold
 * into spaces), the bidi embeddings, overrides and isolates that can disguise text
 * (U+202A–U+202E, U+2066–U+2069) and the zero-width no-break space.
 */
const UNWANTED_CHARS = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const HAS_UNWANTED_CHAR = new RegExp(UNWANTED_CHARS.source);

/** Separators allowed between the links of a trailing topic list: "(A, B)", "(A | B)", "(A / B)". */
const LINK_LIST_SEPARATOR = /[\s,;|/·•]/;

/** Windows-1252 meanings of the numeric references &#128;–&#159;, as the HTML standard decodes them. */
const WINDOWS_1252_C1: Readonly<Record<number, number>> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

// ---------------------------------------------------------------------------------------------
// Entities

/**
 * An entity reference — named (always with ';') or numeric (';' optional, as browsers accept) —
 * possibly escaped again any number of times (`&amp;quot;`, `&amp;amp;lt;`): content that was
 * entity-escaped once too often is still meant to read as the character.
 */
const ENTITY_REFERENCE = /&(?:amp;)*(?:#([0-9]{1,8});?|#[xX]([0-9a-fA-F]{1,8});?|([A-Za-z][A-Za-z0-9]{0,31});)/g;

/** The character(s) of a named entity, from the full HTML table of the `entities` package; undefined for unknown names. */
function namedEntity(name: string): string | undefined {
  const reference = `&${name};`;
  const value = decodeHTMLStrict(reference);
  return value === reference ? undefined : value;
}

function decodeCodePoint(code: number): string {
  const mapped = WINDOWS_1252_C1[code] ?? code;
  if (mapped === 0 || mapped > 0x10ffff || (mapped >= 0xd800 && mapped <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(mapped);
}

function decodeReference(_reference: string, decimal?: string, hex?: string, name?: string): string {
  if (decimal !== undefined) return decodeCodePoint(Number.parseInt(decimal, 10));
  if (hex !== undefined) return decodeCodePoint(Number.parseInt(hex, 16));
  const value = name === undefined ? undefined : namedEntity(name);
  // An unknown name is literal text: undo only the escaping of its '&'.
  return value ?? `&${name ?? ''};`;
}

/** Decodes the entity references of a text run. */
function decodeEntities(text: string): string {
  return text.includes('&') ? text.replace(ENTITY_REFERENCE, decodeReference) : text;
}

// ---------------------------------------------------------------------------------------------
// Output

interface LinkSpan {
  start: number;
  end: number;
}

/**
 * Collects text with folded whitespace and paragraph breaks, and remembers where link texts
 * landed in it so that a trailing list of links can be recognised afterwards.
 */
class TextBuilder {
  text = '';
  readonly links: LinkSpan[] = [];
  private pendingSpace = false;
  private pendingBreak = false;
  private linkStart: number | undefined;
  private inLink = false;

  /** Appends decoded text: unwanted characters removed, whitespace runs folded to one space. */
  append(decoded: string): void {
    const cleaned = HAS_UNWANTED_CHAR.test(decoded) ? decoded.replace(UNWANTED_CHARS, '') : decoded;
    let folded = cleaned.replace(/\s+/g, ' ');
    if (folded.startsWith(' ')) {
      this.pendingSpace = true;
      folded = folded.slice(1);
    }
    if (folded === '') return;
    const trailingSpace = folded.endsWith(' ');
    if (trailingSpace) folded = folded.slice(0, -1);
    this.flushPendingWhitespace();
    if (this.inLink && this.linkStart === undefined) this.linkStart = this.text.length;
    this.text += folded;
    this.pendingSpace = trailingSpace;
  }

  paragraphBreak(): void {
    this.pendingBreak = true;
  }

  wordBreak(): void {
    this.pendingSpace = true;
  }

  openLink(): void {
    this.closeLink();
    this.inLink = true;
  }

  closeLink(): void {
    if (this.inLink && this.linkStart !== undefined && this.linkStart < this.text.length) {
      this.links.push({ start: this.linkStart, end: this.text.length });
    }
    this.inLink = false;
    this.linkStart = undefined;
  }

  private flushPendingWhitespace(): void {
    if (this.text !== '') {
      if (this.pendingBreak) this.text += '\n\n';
      else if (this.pendingSpace) this.text += ' ';
    }
    this.pendingBreak = false;
    this.pendingSpace = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Markup scanning

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/**
 * Index just after the '>' that ends the tag whose name ends at `from`, honouring quoted
 * attribute values (`<a title="x>y">`); the input length when the tag never ends.
 */
function findTagEnd(html: string, from: number): number {
  let i = from;
  const length = html.length;
  while (i < length) {
    const code = html.charCodeAt(i);
    if (code === 0x3e /* > */) return i + 1;
    if (code === 0x3d /* = */) {
      i++;
      while (i < length && isSpace(html.charCodeAt(i))) i++;
      const quote = html.charCodeAt(i);
      if (quote === 0x22 || quote === 0x27) {
        const close = html.indexOf(quote === 0x22 ? '"' : "'", i + 1);
        if (close < 0) return length;
        i = close + 1;
      }
      continue;
    }
    i++;
  }
  return length;
}

/** Index just after `terminator` at or after `from`; the input length when it is missing. */
function skipPast(html: string, from: number, terminator: string): number {
  const at = html.indexOf(terminator, from);
  return at < 0 ? html.length : at + terminator.length;
}

const closingTagPatterns = new Map<string, RegExp>();

/** Index just after `</name>` (any case) at or after `from`; the input length when missing. */
function skipPastClosingTag(html: string, from: number, name: string): number {
  let pattern = closingTagPatterns.get(name);
  if (pattern === undefined) {
    pattern = new RegExp(`</${name}(?=[\\s/>])`, 'gi');
    closingTagPatterns.set(name, pattern);
  }
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match === null ? html.length : findTagEnd(html, match.index + match[0].length);
}

interface TagToken {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  end: number;
}

/** Reads the tag at `start` (html[start] is '<'); undefined when the '<' is plain text. */
function readTag(html: string, start: number): TagToken | undefined {
  const closing = html.charCodeAt(start + 1) === 0x2f; /* / */
  const nameStart = closing ? start + 2 : start + 1;
  if (!isAsciiLetter(html.charCodeAt(nameStart))) return undefined;
  let nameEnd = nameStart + 1;
  while (nameEnd < html.length) {
    const code = html.charCodeAt(nameEnd);
    if (isSpace(code) || code === 0x2f || code === 0x3e) break;
    nameEnd++;
  }
  const end = findTagEnd(html, nameEnd);
  return {
    name: html.slice(nameStart, nameEnd).toLowerCase(),
    closing,
    selfClosing: html.charCodeAt(end - 2) === 0x2f && html.charCodeAt(end - 1) === 0x3e,
    end,
  };
}

/** Skips a comment, doctype, processing instruction or CDATA marker at `start`; undefined when none. */
function skipMarkupDeclaration(html: string, start: number): number | undefined {
  const next = html.charCodeAt(start + 1);
  if (html.startsWith('<!--', start)) return skipPast(html, start + 4, '-->');
  if (next === 0x21 /* ! */ || next === 0x3f /* ? */) return skipPast(html, start + 2, '>');
  if (next === 0x2f /* / */ && !isAsciiLetter(html.charCodeAt(start + 2))) return skipPast(html, start + 2, '>');
  return undefined;
}

/** Applies a tag to the output; returns where scanning continues. */
function applyTag(tag: TagToken, html: string, out: TextBuilder): number {
  if (!tag.closing && !tag.selfClosing && DROPPED_WITH_CONTENT.has(tag.name)) {
    return skipPastClosingTag(html, tag.end, tag.name);
  }
  if (BLOCK_ELEMENTS.has(tag.name)) out.paragraphBreak();
  else if (WORD_SEPARATORS.has(tag.name)) out.wordBreak();
  else if (tag.name === 'a') {
    if (tag.closing) out.closeLink();
    else out.openLink();
  }
  return tag.end;
}

function scan(html: string): TextBuilder {
  const out = new TextBuilder();
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i) out.append(decodeEntities(html.slice(i, textEnd)));
    if (lt < 0) break;
    const skipped = skipMarkupDeclaration(html, lt);
    if (skipped !== undefined) {
      i = skipped;
      continue;
    }
    const tag = readTag(html, lt);
    if (tag === undefined) {
      out.append('<');
      i = lt + 1;
      continue;
    }
    i = applyTag(tag, html, out);
  }
  out.closeLink();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Trailing link list

/** Index of the first non-separator character at or before `index` going backwards, or -1. */
function skipSeparatorsBackwards(text: string, index: number): number {
  let i = index;
  while (i >= 0 && LINK_LIST_SEPARATOR.test(text[i] ?? '')) i--;
  return i;
}

/**
 * Finds a trailing "(link, link, …)" group made only of links, like golem.de's topic list
 * `(Security, Browser)`. Returns where the '(' stands and the link texts, or undefined.
 */
function findTrailingLinkList(text: string, links: readonly LinkSpan[]): { start: number; labels: string[] } | undefined {
  const close = text.length - 1;
  if (close < 0 || text[close] !== ')') return undefined;
  const labels: string[] = [];
  let i = skipSeparatorsBackwards(text, close - 1);
  let linkIndex = links.length - 1;
  while (linkIndex >= 0) {
    const link = links[linkIndex];
    if (link === undefined || link.end !== i + 1) break;
    labels.push(text.slice(link.start, link.end));
    i = skipSeparatorsBackwards(text, link.start - 1);
    linkIndex--;
  }
  if (labels.length === 0 || text[i] !== '(') return undefined;
  return { start: i, labels: labels.reverse() };
}

// ---------------------------------------------------------------------------------------------
// API

/** Plain text of an HTML fragment plus the labels of the trailing link list that was removed. */
export interface TextWithTopics {
  /** Paragraphs separated by "\n\n", whitespace folded, no markup, entities decoded. */
  text: string;
  /**
   * Texts of the links in a trailing parenthesised list made only of links — on golem.de the
   * article's topics ("Security", "Datenschutz"); empty when there was no such list.
   */
  topics: string[];
}

/**
 * Like {@link htmlToText}, but also returns the link labels of the trailing topic list, which
 * some outlets (golem.de) use instead of feed categories.
 */
export function htmlToTextWithTopics(html: string): TextWithTopics {
  const out = scan(html);
  const list = findTrailingLinkList(out.text, out.links);
  const text = (list === undefined ? out.text : out.text.slice(0, list.start)).trim();
  return { text: text.toWellFormed(), topics: list?.labels ?? [] };
}

/**
 * Turns an HTML fragment from a feed into clean plain text: all entities decoded (also ones
 * escaped twice), tags stripped, scripts, styles and images dropped entirely, block elements
 * turned into paragraphs separated by "\n\n", whitespace folded, control and bidi-override
 * characters removed. A trailing parenthesised list made only of links (golem.de's topic
 * list "(Security, Browser)") is navigation, not story text, and is dropped too.
 */
export function htmlToText(html: string): string {
  return htmlToTextWithTopics(html).text;
}
