import fc from 'fast-check';
import { COMMANDS } from '../../commands/index.ts';
import { INCIDENT_TYPES, type Incident } from '../../src/model/analysis.ts';
import type { RawFeedItem } from '../../src/model/item.ts';
import { escapeXml, MENTIONS_AND_MARKUP, NASTY_DATES } from '../fixtures/nasty-feeds.ts';

/**
 * fast-check arbitraries for the property tests in test/fuzz and the fixed-seed sample of
 * bench/hostile-inputs.ts: hostile text, feeds (generated, mutated, as bytes), article pages, chat
 * lines and incidents. Generated inputs stay small; the big ones are in test/fixtures/nasty-feeds.ts.
 */

/**
 * The seed of every property: fixed, so that a run in CI is the same run as on a laptop. Set FUZZ_SEED
 * to explore other inputs locally (a failure prints the seed and path that reproduce it).
 */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? 20_261_123 : Number(process.env.FUZZ_SEED);

/** Parameters for fc.assert: the fixed seed and `numRuns` runs. */
export function fuzzRuns(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns };
}

// ---------------------------------------------------------------------------------------------
// Text

/** Pieces that have broken text handling somewhere: markup, mentions, entities, controls, odd Unicode, clutter phrases. */
export const NASTY_PIECES: readonly string[] = [
  ...MENTIONS_AND_MARKUP,
  '\u202E', '\u2066', '\u200B', '\uFEFF', '\u00AD', '\uD800', '\uDFFF', '🔒', '👩‍💻', 'e\u0301', 'ß', 'İ', 'ﬁ', 'Ａ',
  '\u0000', '\u0007', '\u001B', '\u0085', '\u2028', '\r\n', '\n', '\n\n', '\t', '\u00A0', ' ', '  ',
  '&', '&amp;', '&amp;amp;', '&lt;', '&gt;', '&quot;', '&#0;', '&#x110000;', '&#xD800;', '&#128;', '&nbsp;', '&bogus;',
  '<', '>', '</', '/>', '<![CDATA[', ']]>', '<!--', '-->', '<?', '?>', '<!DOCTYPE', '<p>', '</p>', '<br>', '<a href="/x">', '</a>',
  '"', "'", '„', '“', '”', '«', '»', '\\', '`', '*', '_', '~', '|', '[', ']', '(', ')', '#', ':', '@', '=', '%', '%00',
  '.', '. ', '?', '!', '…', '...', 'z. B.', 'Art. 6', '1. November', 'Foto: dpa', '(Bild: Agentur)', 'Weiterlesen…',
  'Newsletter', 'Jetzt anmelden', 'Mehr zum Thema', 'Update: ', 'Anzeige: ', 'Teilen', 'Facebook Twitter',
  '--', '--page', '--type=breach', '!', '!incidents', 'privacy-radar:', 'javascript:', 'https://', 'Amazon', 'Telekom', 'Ring',
];

/** Ordinary words, so that generated text also looks like a story (sentences, companies, cue words). */
const WORDS: readonly string[] = [
  'Die', 'Behörde', 'hat', 'Daten', 'Kundendaten', 'veröffentlicht', 'Datenleck', 'Bußgeld', 'verhängt', 'Polizei', 'Videos',
  'the', 'company', 'leaked', 'personal', 'data', 'of', 'millions', 'customers', 'fined', 'regulator', 'said', 'tracking',
  'Amazon', 'Meta', 'Google', 'Deutsche Telekom', 'O2', 'Telefónica', 'WhatsApp', '2024', '3,5', 'Millionen', 'Euro',
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_PIECES) },
  { weight: 4, arbitrary: fc.constantFrom(...WORDS).map((word) => `${word} `) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);

/** Text made of nasty pieces, words and random code units (lone surrogates included), up to `maxPieces` pieces. */
export function hostileText(maxPieces = 40): fc.Arbitrary<string> {
  return fc.array(piece, { maxLength: maxPieces }).map((parts) => parts.join(''));
}

/** Sentences of words and nasty pieces, separated by spaces and line breaks: what a summariser or cleaner gets. */
export function storyText(maxSentences = 12): fc.Arbitrary<string> {
  const sentence = fc
    .tuple(fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.constantFrom(...NASTY_PIECES) }), { minLength: 1, maxLength: 25 }), fc.constantFrom('.', '!', '?', ':', '…', '', '."', '.“'))
    .map(([words, end]) => `${words.join(' ')}${end}`);
  return fc
    .array(fc.tuple(sentence, fc.constantFrom(' ', ' ', '\n', '\n\n', '\r\n')), { maxLength: maxSentences })
    .map((parts) => parts.map(([s, gap]) => s + gap).join(''));
}

/** Link-like strings: real URLs, relative ones, other schemes, and junk. */
export const linkText: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom('javascript:alert(1)', 'data:text/html,<b>x</b>', '/relativ/pfad?utm_source=x', '//nasty.example/x', 'https://', 'http://[::1]/', 'https://nasty.example/<@123>/@everyone', 'https://a:b@nasty.example/x#frag'),
  hostileText(6),
);

/** Date-like strings: ISO and RFC 822 over the whole Date range, the nasty ones, and junk. */
export const dateText: fc.Arbitrary<string> = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.constantFrom(...NASTY_DATES.map(({ date }) => date)),
  hostileText(4),
);

// ---------------------------------------------------------------------------------------------
// Feeds

/** A raw item as the parser could hand it over: any field missing, any text in it. */
export const rawItem: fc.Arbitrary<RawFeedItem> = fc.record(
  {
    guid: fc.oneof(hostileText(6), linkText),
    link: linkText,
    title: hostileText(),
    date: dateText,
    summary: hostileText(),
    content: hostileText(60),
    categories: fc.array(hostileText(5), { maxLength: 8 }),
  },
  { requiredKeys: [] },
);

/** Anything at all where items are expected: the normaliser is called with parser output, but must not trust it. */
export const junkItems: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(fc.oneof(rawItem, fc.anything()), { maxLength: 6 }),
  fc.array(fc.dictionary(fc.constantFrom('guid', 'link', 'title', 'date', 'summary', 'content', 'categories'), fc.anything()), { maxLength: 4 }),
  fc.anything(),
);

/** Removes what XML 1.0 does not allow in a document, so that a generated feed is well-formed. */
function xmlChars(text: string): string {
  return text.toWellFormed().replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** Text as XML content: escaped, or in a CDATA section. */
const xmlText = fc.tuple(hostileText(), fc.boolean()).map(([text, cdata]) => {
  const clean = xmlChars(text);
  return cdata ? `<![CDATA[${clean.replace(/]]>/g, ']] >')}]]>` : escapeXml(clean);
});

const xmlItemFields = fc.record(
  { title: xmlText, link: linkText.map((l) => escapeXml(xmlChars(l))), guid: xmlText, description: xmlText, date: dateText.map((d) => escapeXml(xmlChars(d))), category: xmlText },
  { requiredKeys: [] },
);

/** A well-formed RSS 2.0 or Atom document with hostile text in every field, and how many items it holds. */
export const generatedFeed: fc.Arbitrary<{ xml: string; items: number }> = fc
  .tuple(fc.constantFrom('rss', 'atom', 'rdf'), fc.array(xmlItemFields, { maxLength: 8 }), fc.constantFrom('', '<?xml version="1.0" encoding="utf-8"?>', '\uFEFF<!-- x --><!DOCTYPE x [<!ENTITY a "b">]>'))
  .map(([format, items, prologue]) => ({ xml: prologue + feedDocument(format, items), items: items.length }));

type XmlItemFields = { title?: string; link?: string; guid?: string; description?: string; date?: string; category?: string };

function feedDocument(format: 'rss' | 'atom' | 'rdf', items: XmlItemFields[]): string {
  const element = (name: string, value: string | undefined): string => (value === undefined ? '' : `<${name}>${value}</${name}>`);
  if (format === 'atom') {
    const entries = items.map(
      (f) =>
        `<entry>${element('title', f.title)}${f.link === undefined ? '' : `<link href="${f.link}"/>`}${element('id', f.guid)}${element('updated', f.date)}${element('summary', f.description)}${f.category === undefined ? '' : `<category term="${escapeXml(f.category)}"/>`}</entry>`,
    );
    return `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>${entries.join('')}</feed>`;
  }
  const body = items.map(
    (f) => `<item>${element('title', f.title)}${element('link', f.link)}${element('guid', f.guid)}${element('description', f.description)}${element(format === 'rdf' ? 'dc:date' : 'pubDate', f.date)}${element('category', f.category)}</item>`,
  );
  if (format === 'rdf') {
    return `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title></channel>${body.join('')}</rdf:RDF>`;
  }
  return `<rss version="2.0"><channel><title>T</title><link>https://nasty.example/</link>${body.join('')}</channel></rss>`;
}

interface Edit {
  kind: 'truncate' | 'delete' | 'duplicate' | 'insert' | 'swap';
  /** Where, relative to the document's length (0…1). */
  at: number;
  length: number;
  piece: string;
}

/** One edit of a document: cut, delete, duplicate or insert a nasty piece, at a position relative to its length. */
const mutation: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('truncate', 'delete', 'duplicate', 'insert', 'insert', 'swap'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  length: fc.nat({ max: 200 }),
  piece: fc.constantFrom(...NASTY_PIECES),
});

function mutate(text: string, edits: readonly Edit[]): string {
  let result = text;
  for (const { kind, at, length, piece: inserted } of edits) {
    const i = Math.floor(at * result.length);
    if (kind === 'truncate') result = result.slice(0, i);
    else if (kind === 'delete') result = result.slice(0, i) + result.slice(i + length);
    else if (kind === 'duplicate') result = result.slice(0, i + length) + result.slice(i, i + length) + result.slice(i + length);
    else if (kind === 'swap') result = result.slice(i, i + length) + result.slice(0, i) + result.slice(i + length);
    else result = result.slice(0, i) + inserted + result.slice(i);
  }
  return result;
}

/** A document with a few random edits. */
export function mutated(documents: fc.Arbitrary<string>, maxEdits = 4): fc.Arbitrary<string> {
  return fc.tuple(documents, fc.array(mutation, { minLength: 1, maxLength: maxEdits })).map(([text, edits]) => mutate(text, edits));
}

const CHARSET_LABELS = ['utf-8', 'UTF-8', 'iso-8859-1', 'latin1', 'windows-1252', 'utf-16', 'utf-16le', 'utf-16be', 'shift_jis', 'iso-2022-kr', 'replacement', 'x-user-defined', 'utf-7', '', '"utf-8"', 'utf-8;charset=latin1'];

/** A Content-Type header value, or none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(...CHARSET_LABELS).map((label) => `application/rss+xml; charset=${label}`),
  hostileText(4),
);

/** Feed bytes: a document encoded one way and declared another, with bytes flipped, or plain noise. */
export const feedBytes = (documents: fc.Arbitrary<string>): fc.Arbitrary<{ bytes: Uint8Array; contentType: string | undefined }> =>
  fc.record({
    bytes: fc.oneof(
      fc.tuple(documents, fc.constantFrom('utf-8', 'latin1', 'utf-16le', 'utf-16be'), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 255 })), { maxLength: 6 })).map(([text, encoding, flips]) => {
        const bytes = encode(text, encoding);
        for (const [at, value] of flips) bytes[Math.floor(at * bytes.length)] = value;
        return bytes;
      }),
      fc.uint8Array({ maxLength: 2_000 }),
    ),
    contentType,
  });

function encode(text: string, encoding: 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be'): Uint8Array {
  if (encoding === 'utf-8') return new TextEncoder().encode(text);
  if (encoding === 'latin1') return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const [high, low] = [unit >> 8, unit & 0xff];
    bytes[2 * i] = encoding === 'utf-16le' ? low : high;
    bytes[2 * i + 1] = encoding === 'utf-16le' ? high : low;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Article pages

const TAGS = [
  'div', 'div', 'p', 'p', 'span', 'a', 'article', 'main', 'section', 'header', 'footer', 'nav', 'aside', 'figure', 'figcaption',
  'ul', 'ol', 'li', 'table', 'tr', 'td', 'h1', 'h2', 'blockquote', 'pre', 'script', 'style', 'noscript', 'template', 'iframe',
  'svg', 'math', 'form', 'button', 'textarea', 'select', 'img', 'br', 'hr', 'title', 'html', 'body', 'head', 'x-custom',
];
const CLASS_NAMES = ['', 'article-body', 'relatedArticles', 'ad-slot', 'newsletter', 'comments', 'share', 'paywall', 'byline', 'caption', 'teaser_list', 'content', 'main'];

interface PageNode {
  tag: string;
  className: string;
  href: string | undefined;
  closed: boolean;
  children: Array<PageNode | string>;
}

/** An HTML page as a random tree of elements (some unclosed) with clutter class names and hostile text. */
export const articlePage: fc.Arbitrary<string> = fc
  .letrec<{ node: PageNode; child: PageNode | string }>((tie) => ({
    node: fc.record({
      tag: fc.constantFrom(...TAGS),
      className: fc.constantFrom(...CLASS_NAMES),
      href: fc.option(linkText, { nil: undefined }),
      closed: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      children: fc.array(tie('child'), { maxLength: 6, depthIdentifier: 'page' }),
    }),
    child: fc.oneof({ depthSize: 'small', depthIdentifier: 'page', withCrossShrink: true }, storyText(3), hostileText(10), tie('node')),
  }))
  .node.map((root) => `<!DOCTYPE html><html lang="de"><body>${renderNode(root)}</body></html>`);

function renderNode(node: PageNode | string): string {
  if (typeof node === 'string') return node;
  const attributes = `${node.className === '' ? '' : ` class="${node.className}"`}${node.href === undefined ? '' : ` href="${escapeXml(node.href)}"`}`;
  return `<${node.tag}${attributes}>${node.children.map(renderNode).join('')}${node.closed ? `</${node.tag}>` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Chat lines (Matrix commands)

const commandWord = fc.oneof(
  fc.constantFrom(...COMMANDS.map((c) => c.name), 'daily', 'off', 'now', 'list', 'add', 'remove', 'INCIDENTS', 'Digest'),
  fc.constantFrom('--company', '--type', '--page', '--since=30d', '--', '---', '--Page=2', '--x=', '"', '“', '„', "'", '"a b"', '“c d”', '„e f“'),
  fc.constantFrom(...NASTY_PIECES),
  hostileText(3),
);

/** Chat lines: the prefix or one of the bot's names, mostly a command of ours, then subcommands, flags, quotes and hostile words. */
export const chatLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('!', '', 'privacy-radar: ', 'Privacy Radar, ', '@privacy-radar:stand-in.test ', 'privacy-radar:!', ' !', '!!'),
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMANDS.map((c) => c.name)) }, { weight: 1, arbitrary: commandWord }),
    fc.array(commandWord, { maxLength: 12 }),
    fc.constantFrom(' ', '  ', '\t'),
  )
  .map(([start, first, words, gap]) => start + [first, ...words].join(gap));

// ---------------------------------------------------------------------------------------------
// Incidents (for cards)

/** An incident whose every text came from a hostile feed: title, summary, outlets, links, company ids. */
export const hostileIncident = (companyIds: readonly string[]): fc.Arbitrary<Incident> =>
  fc
    .record({
      title: hostileText(60),
      summary: hostileText(80),
      companies: fc.array(fc.oneof(fc.constantFrom(...companyIds), hostileText(3)), { maxLength: 6 }),
      types: fc.subarray([...INCIDENT_TYPES]),
      language: fc.constantFrom('de' as const, 'en' as const),
      firstSeen: dateText,
      sources: fc.array(fc.record({ url: linkText, outlet: hostileText(8), title: hostileText(10) }), { maxLength: 8 }),
    })
    .map(({ sources, ...rest }) => ({
      id: 'fuzz-incident',
      ...rest,
      lastSeen: rest.firstSeen,
      sources: sources.map((source, i) => ({
        ...source,
        articleKey: `a${i}`,
        feedId: 'fuzz',
        published: rest.firstSeen,
        language: rest.language,
      })),
    }));
