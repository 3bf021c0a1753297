import Parser from 'rss-parser';
import type { RawFeedItem } from '../model/item.ts';

/** Channel information and the entries of a parsed RSS 0.9x / RSS 1.0 (RDF) / RSS 2.0 / Atom feed. */
export interface ParsedFeed {
  title: string;
  /** The channel's link to its website; the base for relative item links. */
  link?: string;
  /** The channel's declared language (`<language>`, `dc:language` or the root's `xml:lang`), as written. */
  language?: string;
  items: RawFeedItem[];
}

/**
 * Why a text could not be read as a feed: `not-a-feed` when it is something else (an HTML page,
 * JSON, empty), `malformed` when it is meant to be a feed but is broken (truncated, invalid XML).
 */
export class FeedParseError extends Error {
  readonly kind: 'not-a-feed' | 'malformed';

  constructor(kind: 'not-a-feed' | 'malformed', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FeedParseError';
    this.kind = kind;
  }
}

type FeedFormat = 'rss' | 'rdf' | 'atom';

/** Root element → format; exactly the roots rss-parser can read. */
const ROOT_FORMATS: ReadonlyMap<string, FeedFormat> = new Map([
  ['rss', 'rss'],
  ['rdf:RDF', 'rdf'],
  ['feed', 'atom'],
]);

/**
 * Entries read from one feed at most, in document order (feeds list the newest first). News feeds carry 10 to
 * 200; a document with tens of thousands of entries is junk or hostile, and reading them all only costs time.
 */
export const MAX_FEED_ITEMS = 1000;

/** Categories kept per item at most; the normaliser keeps fewer, this only bounds junk. */
const MAX_CATEGORIES = 100;

// ---------------------------------------------------------------------------------------------
// Prolog: what kind of document is this, and where is its DOCTYPE?

interface Prolog {
  /** Name of the root element, e.g. `rss`, `rdf:RDF`, `feed`, `html`. */
  rootName: string;
  /** Where the root element's start tag begins. */
  rootStart: number;
  /** The DOCTYPE declaration's span, if there is one. */
  doctype?: { start: number; end: number };
}

/** Index just after the DOCTYPE starting at `start`, skipping quoted strings and the internal subset. */
function findDoctypeEnd(xml: string, start: number): number | undefined {
  let quote: string | undefined;
  let inSubset = false;
  for (let i = start + 2; i < xml.length; i++) {
    const char = xml[i];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (inSubset && xml.startsWith('<!--', i)) {
      const close = xml.indexOf('-->', i + 4);
      if (close < 0) return undefined;
      i = close + 2;
    } else if (char === '[') {
      inSubset = true;
    } else if (char === ']') {
      inSubset = false;
    } else if (char === '>' && !inSubset) {
      return i + 1;
    }
  }
  return undefined;
}

/**
 * Skips the BOM, whitespace, XML declaration, processing instructions, comments and DOCTYPE
 * and reads the root element's name. Throws `not-a-feed` when the text does not start like
 * an XML document, `malformed` when the prolog itself is cut off.
 */
function readProlog(xml: string): Prolog {
  let doctype: Prolog['doctype'];
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    i = skipWhitespace(xml, i);
    if (i >= xml.length) throw new FeedParseError('not-a-feed', 'the document is empty');
    if (xml[i] !== '<') throw new FeedParseError('not-a-feed', 'the document does not start with markup');
    let end: number | undefined;
    if (xml.startsWith('<?', i)) end = endAfter(xml, i + 2, '?>');
    else if (xml.startsWith('<!--', i)) end = endAfter(xml, i + 4, '-->');
    else if (xml.slice(i, i + 9).toUpperCase() === '<!DOCTYPE') {
      end = findDoctypeEnd(xml, i);
      if (end !== undefined) doctype = { start: i, end };
    } else {
      const name = /^<([A-Za-z_][\w.:-]*)/.exec(xml.slice(i, i + 200))?.[1];
      if (name === undefined) throw new FeedParseError('not-a-feed', 'the document has no root element');
      return { rootName: name, rootStart: i, ...(doctype && { doctype }) };
    }
    if (end === undefined) throw new FeedParseError('malformed', 'the document ends inside its prolog');
    i = end;
  }
}

function skipWhitespace(xml: string, from: number): number {
  const nonSpace = /\S/g;
  nonSpace.lastIndex = from;
  return nonSpace.exec(xml)?.index ?? xml.length;
}

function endAfter(xml: string, from: number, terminator: string): number | undefined {
  const at = xml.indexOf(terminator, from);
  return at < 0 ? undefined : at + terminator.length;
}

/** The root start tag's `xml:lang`, Atom's way of declaring the feed language. */
function rootLanguage(xml: string, rootStart: number): string | undefined {
  const tagEnd = xml.indexOf('>', rootStart);
  const startTag = xml.slice(rootStart, tagEnd < 0 ? rootStart + 4096 : Math.min(tagEnd, rootStart + 4096));
  return /\sxml:lang\s*=\s*["']([^"']{1,35})["']/.exec(startTag)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Repairs applied to the XML text before parsing

/**
 * Removes the DOCTYPE. Feeds never need it, and its internal subset can declare entities that
 * expand exponentially ("billion laughs"); without the declarations, references to such
 * entities are unknown and the parser rejects the document at once.
 */
function withoutDoctype(xml: string, prolog: Prolog): string {
  const { doctype } = prolog;
  return doctype === undefined ? xml : xml.slice(0, doctype.start) + xml.slice(doctype.end);
}

/** A '&' that does not start a character or entity reference. */
const BARE_AMPERSAND = /&(?![A-Za-z_][\w.-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)/g;

/**
 * Escapes bare '&' ("AT&T", "?a=1&b=2") outside CDATA sections. It is the most common way real
 * feeds break XML, and the strict XML parser would reject the whole feed for it.
 */
function escapeBareAmpersands(xml: string): string {
  if (xml.search(BARE_AMPERSAND) < 0) return xml;
  let result = '';
  let i = 0;
  while (i < xml.length) {
    const cdata = xml.indexOf('<![CDATA[', i);
    const markupEnd = cdata < 0 ? xml.length : cdata;
    result += xml.slice(i, markupEnd).replace(BARE_AMPERSAND, '&amp;');
    if (cdata < 0) break;
    const cdataEnd = xml.indexOf(']]>', cdata);
    const next = cdataEnd < 0 ? xml.length : cdataEnd + 3;
    result += xml.slice(cdata, next);
    i = next;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Keeping rss-parser linear and from throwing

/**
 * rss-parser derives a plain-text "snippet" from every description and content with regexes
 * that scan lazily from each '<' to a closing '>' followed by a non-newline. Text like
 * "line<br>\n" repeated, or many '<' without '>', makes that quadratic: seconds for 200 kB.
 * This estimates the scanning cost in one pass (for each '<', the distance to the next '>'
 * that is followed by something other than a newline).
 */
function snippetScanCost(value: string): number {
  let cost = 0;
  let pending = 0;
  let pendingPositions = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x3c /* < */) {
      pending++;
      pendingPositions += i;
    } else if (code === 0x3e /* > */ && pending > 0 && value.charCodeAt(i + 1) !== 0x0a) {
      cost += pending * i - pendingPositions;
      pending = 0;
      pendingPositions = 0;
    }
  }
  return cost + pending * value.length - pendingPositions;
}

/**
 * Escapes each '<' that is followed by another '<' before any '>' (or by no '>' at all).
 * Scans backwards, remembering whether a '>' or a '<' comes next, so it is linear too.
 */
function escapeStrayLessThans(value: string): string {
  const pieces: string[] = [];
  let sliceEnd = value.length;
  let nextMarkup: '<' | '>' | undefined;
  for (let i = value.length - 1; i >= 0; i--) {
    const code = value.charCodeAt(i);
    if (code === 0x3e /* > */) nextMarkup = '>';
    else if (code === 0x3c /* < */) {
      if (nextMarkup !== '>') {
        pieces.push(value.slice(i + 1, sliceEnd), '&lt;');
        sliceEnd = i;
      }
      nextMarkup = '<';
    }
  }
  pieces.push(value.slice(0, sliceEnd));
  return pieces.reverse().join('');
}

/**
 * For the rare text whose snippet scan would be superlinear: turns newlines into spaces and
 * escapes the '<' that have no '>' of their own, which makes the scan linear. Newlines do not
 * matter in HTML, and in such pathological text those '<' are stray characters anyway.
 * Ordinary text is never touched.
 */
function keepSnippetScanLinear(value: string): string {
  // Without a '<' the scan is linear: most values (titles, links, ids, dates) skip the costing walk.
  if (!value.includes('<') || snippetScanCost(value) <= 8 * value.length + 4096) return value;
  return escapeStrayLessThans(value.replace(/\n/g, ' '));
}

/**
 * rss-parser converts Atom `published`/`updated` with `new Date(…).toISOString()`, which throws
 * on an invalid date and would fail the whole feed. Wrapping the text as `{ _: text }` makes
 * rss-parser skip its conversion while its field copying still unwraps the raw text for us.
 */
function keepAtomDateRaw(value: unknown, name: string): unknown {
  return name === 'published' || name === 'updated' ? { _: value } : value;
}

function xmlValueProcessors(format: FeedFormat): Array<(value: unknown, name: string) => unknown> {
  const linear = (value: unknown): unknown => (typeof value === 'string' ? keepSnippetScanLinear(value) : value);
  return format === 'atom' ? [linear, keepAtomDateRaw] : [linear];
}

/** The part of rss-parser's (untyped) internals that reads one Atom entry. */
interface AtomEntryReader {
  parseItemAtom(entry: unknown): unknown;
}

/**
 * xml2js turns an element without child elements into a string ('' when empty), and rss-parser
 * reads an Atom entry's `entry.link` — on a string, the legacy `String.prototype.link` method — and
 * throws: one `<entry/>` would fail the whole feed. Such an entry is read as an empty one instead,
 * which normalising drops.
 */
function readTextEntriesAsEmpty(parser: Parser): Parser {
  const reader = parser as unknown as AtomEntryReader;
  const parseItemAtom = reader.parseItemAtom.bind(parser);
  reader.parseItemAtom = (entry) => parseItemAtom(typeof entry === 'object' && entry !== null ? entry : {});
  return parser;
}

/**
 * What xml2js makes of an element holding nothing but whitespace: by default the whitespace itself,
 * which bypasses the value processors — and rss-parser then throws on `new Date('\n')` for an Atom
 * `<updated>` with a line break in it, failing the whole feed. An empty string it skips.
 */
function emptyElementValue(): string {
  return '';
}

/** Per call: the parser holds state while parsing, and the options depend on the format. */
function createParser(format: FeedFormat): Parser {
  const parser = new Parser({
    defaultRSS: 2,
    xml2js: { valueProcessors: xmlValueProcessors(format), emptyTag: emptyElementValue },
    customFields: {
      feed: ['dc:language'],
      item: [
        'dc:date',
        'published',
        'updated',
        ['category', 'categoryElements', { keepArray: true }],
        ['dc:subject', 'subjectElements', { keepArray: true }],
      ],
    },
  });
  return format === 'atom' ? readTextEntriesAsEmpty(parser) : parser;
}

type ParserOutput = Awaited<ReturnType<Parser['parseString']>>;

/**
 * Runs rss-parser so that nothing escapes: it can throw synchronously as well as reject, and
 * xml2js may report twice (an error, then the end) — a promise settles only once.
 */
function runParser(parser: Parser, xml: string): Promise<ParserOutput> {
  return new Promise((resolve, reject) => {
    try {
      parser.parseString(xml).then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Mapping rss-parser's output

/** The text of an XML value: a string, or an element with attributes whose text is `_`. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'object' && value !== null && '_' in value) return text(value._);
  return undefined;
}

function attribute(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || !('$' in value)) return undefined;
  const attributes = value.$;
  if (typeof attributes !== 'object' || attributes === null || !(name in attributes)) return undefined;
  return text((attributes as Record<string, unknown>)[name]);
}

/** A category element's name: RSS `<category>text</category>`, Atom `label`/`term`, `dc:subject`. */
function categoryName(value: unknown): string | undefined {
  return text(value) ?? attribute(value, 'label') ?? attribute(value, 'term');
}

function categories(item: Record<string, unknown>): string[] | undefined {
  const elements = [item.categoryElements, item.subjectElements].flatMap((v) => (Array.isArray(v) ? v : []));
  const names = elements.slice(0, MAX_CATEGORIES).map(categoryName).filter((name) => name !== undefined);
  return names.length === 0 ? undefined : [...new Set(names)];
}

/** Sets `key` only when there is a value, so a RawFeedItem never carries `key: undefined`. */
function setDefined<K extends keyof RawFeedItem>(item: RawFeedItem, key: K, value: RawFeedItem[K] | undefined): void {
  if (value !== undefined) item[key] = value;
}

/**
 * rss-parser puts RSS `<description>` into `content` and `content:encoded` under its own name,
 * but Atom `<content>` into `content` and `<summary>` into `summary`; dates stay as written.
 */
function toRawItem(item: Record<string, unknown>, format: FeedFormat): RawFeedItem {
  const atom = format === 'atom';
  const raw: RawFeedItem = {};
  setDefined(raw, 'guid', text(item.guid) ?? text(item.id) ?? text(item['rdf:about']));
  setDefined(raw, 'link', text(item.link));
  setDefined(raw, 'title', text(item.title));
  setDefined(
    raw,
    'date',
    atom
      ? (text(item.published) ?? text(item.updated) ?? text(item['dc:date']))
      : (text(item.pubDate) ?? text(item['dc:date'])),
  );
  setDefined(raw, 'summary', atom ? text(item.summary) : (text(item.content) ?? text(item.summary)));
  setDefined(raw, 'content', atom ? text(item.content) : text(item['content:encoded']));
  setDefined(raw, 'categories', categories(item));
  return raw;
}

function toParsedFeed(output: ParserOutput, format: FeedFormat, xmlLang: string | undefined): ParsedFeed {
  const channel = output as unknown as Record<string, unknown>;
  const link = text(channel.link)?.trim();
  const language = (text(channel.language) ?? text(channel['dc:language']) ?? xmlLang)?.trim();
  const items = Array.isArray(output.items) ? output.items : [];
  return {
    title: text(channel.title)?.trim() ?? '',
    ...(link !== undefined && { link }),
    ...(language !== undefined && { language }),
    items: items.slice(0, MAX_FEED_ITEMS).map((item) => toRawItem(item as Record<string, unknown>, format)),
  };
}

// ---------------------------------------------------------------------------------------------
// API

/**
 * Parses feed XML (already decoded to a string) into channel info and raw items, with
 * rss-parser. Before parsing, the text must look like a feed — root element `rss`, `rdf:RDF`
 * or `feed` — so an HTML page is reported as `not-a-feed` rather than as broken XML. The DOCTYPE
 * is removed (entity-expansion attacks), bare '&' are escaped, and texts that would make
 * rss-parser's snippet regexes quadratic are defused, so the work stays linear in the input.
 * Rejects only with {@link FeedParseError}.
 */
export async function parseFeed(xml: string): Promise<ParsedFeed> {
  const prolog = readProlog(xml);
  const format = ROOT_FORMATS.get(prolog.rootName);
  if (format === undefined) {
    throw new FeedParseError('not-a-feed', `the root element is <${prolog.rootName.slice(0, 40)}>, not a feed`);
  }
  const prepared = escapeBareAmpersands(withoutDoctype(xml, prolog));
  let output: ParserOutput;
  try {
    output = await runParser(createParser(format), prepared);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    throw new FeedParseError('malformed', `the feed could not be parsed: ${reason}`, { cause: error });
  }
  try {
    return toParsedFeed(output, format, rootLanguage(xml, prolog.rootStart));
  } catch (error) {
    throw new FeedParseError('malformed', 'the feed has an unexpected structure', { cause: error });
  }
}
