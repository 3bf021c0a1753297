/**
 * Turns a fetched body into text using the character set the publisher meant.
 *
 * Feeds in the wild disagree with themselves: German outlets still serve ISO-8859-1, some declare
 * the charset only in the XML prolog or an HTML `<meta>`, and a few declare nothing. We follow the
 * usual precedence (byte-order mark, then HTTP header, then in-document declaration, then UTF-8
 * with a windows-1252 fallback) and never throw: an unknown label just falls through to the next
 * source.
 */
import { TextDecoder } from 'node:util';

/** How many leading bytes are searched for an in-document declaration. */
const SNIFF_BYTES = 1024;

/** The decoded text (BOM removed) and the WHATWG name of the encoding used, e.g. `windows-1252`. */
export interface DecodedBody {
  text: string;
  charset: string;
}

/**
 * Decodes `bytes` to a string. `contentType` is the raw Content-Type header, if any.
 * Note that WHATWG (and so TextDecoder) treats `iso-8859-1` as `windows-1252`, a superset.
 */
export function decodeBody(bytes: Uint8Array, contentType?: string): DecodedBody {
  const bom = detectBom(bytes);
  if (bom) return decodeWith(bom.decoder, bytes.subarray(bom.length));

  const declared =
    decoderForLabel(charsetFromContentType(contentType)) ??
    detectUtf16WithoutBom(bytes) ??
    asciiCompatible(decoderForLabel(sniffDocumentCharset(bytes)));
  if (declared) return decodeWith(declared, bytes);

  const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return { text: strictUtf8.decode(bytes), charset: strictUtf8.encoding };
  } catch {
    return decodeWith(new TextDecoder('windows-1252', { ignoreBOM: true }), bytes);
  }
}

function decodeWith(decoder: TextDecoder, bytes: Uint8Array): DecodedBody {
  return { text: decoder.decode(bytes), charset: decoder.encoding };
}

/** A decoder for a label, or undefined when the label is missing or unknown to TextDecoder. */
function decoderForLabel(label: string | undefined): TextDecoder | undefined {
  if (!label) return undefined;
  try {
    // ignoreBOM: true keeps a leading U+FEFF that is content; real BOMs were handled before.
    return new TextDecoder(label, { ignoreBOM: true });
  } catch {
    return undefined;
  }
}

function detectBom(bytes: Uint8Array): { decoder: TextDecoder; length: number } | undefined {
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { decoder: new TextDecoder('utf-8', { ignoreBOM: true }), length: 3 };
  if (b0 === 0xff && b1 === 0xfe) return { decoder: new TextDecoder('utf-16le', { ignoreBOM: true }), length: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { decoder: new TextDecoder('utf-16be', { ignoreBOM: true }), length: 2 };
  return undefined;
}

/** The `charset` parameter of a Content-Type header value (quoted or not). */
function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const label = (match?.[1] ?? match?.[2])?.trim();
  return label ? label : undefined;
}

/**
 * UTF-16 XML without a BOM starts with `<?` as two-byte units (XML 1.0 appendix F);
 * an ASCII sniff cannot see it, so recognise the pattern directly.
 */
function detectUtf16WithoutBom(bytes: Uint8Array): TextDecoder | undefined {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) return new TextDecoder('utf-16le', { ignoreBOM: true });
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) return new TextDecoder('utf-16be', { ignoreBOM: true });
  return undefined;
}

/**
 * The charset declared inside the document: the XML prolog's `encoding="…"`, else an HTML
 * `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
 * Looks only at the first {@link SNIFF_BYTES} bytes, read as Latin-1 (every byte maps to one char).
 */
function sniffDocumentCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, SNIFF_BYTES));
  const prolog = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']\s*([\w.:-]+)\s*["']/i.exec(head);
  if (prolog?.[1]) return prolog[1];
  const meta = /<meta\s[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return meta?.[1];
}

/**
 * A declaration we could read by an ASCII sniff cannot truthfully say UTF-16 (the bytes would not
 * have been readable); browsers treat that case as UTF-8, and so do we.
 */
function asciiCompatible(decoder: TextDecoder | undefined): TextDecoder | undefined {
  if (decoder?.encoding === 'utf-16le' || decoder?.encoding === 'utf-16be') {
    return new TextDecoder('utf-8', { ignoreBOM: true });
  }
  return decoder;
}
