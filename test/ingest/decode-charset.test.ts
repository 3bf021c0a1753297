import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/ingest/decode-charset.ts';
import { htmlPage, rssFeed } from '../stand-ins/feed-server.ts';

const UMLAUTS = 'Datenschutzverstöße bei Überwachung';
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('decodeBody', () => {
  describe('byte-order marks win and are stripped', () => {
    it('UTF-8 BOM beats a contradicting Content-Type', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(UMLAUTS)]);
      expect(decodeBody(bytes, 'text/xml; charset=iso-8859-1')).toEqual({ text: UMLAUTS, charset: 'utf-8' });
    });

    it('UTF-16LE BOM', () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(UMLAUTS, 'utf16le')]);
      expect(decodeBody(bytes)).toEqual({ text: UMLAUTS, charset: 'utf-16le' });
    });

    it('UTF-16BE BOM', () => {
      const le = Buffer.from(UMLAUTS, 'utf16le');
      const be = Buffer.from(le).swap16();
      const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
      expect(decodeBody(bytes)).toEqual({ text: UMLAUTS, charset: 'utf-16be' });
    });

    it('strips only the BOM, not a second U+FEFF that is content', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('\uFEFFx')]);
      expect(decodeBody(bytes).text).toBe('\uFEFFx');
    });
  });

  describe('Content-Type charset', () => {
    it('decodes ISO-8859-1 umlauts (golem.de style)', () => {
      const result = decodeBody(latin1(UMLAUTS), 'application/rss+xml; charset=ISO-8859-1');
      expect(result.text).toBe(UMLAUTS);
      // WHATWG maps iso-8859-1 to its superset windows-1252.
      expect(result.charset).toBe('windows-1252');
    });

    it('accepts a quoted parameter and odd spacing', () => {
      expect(decodeBody(utf8(UMLAUTS), 'text/xml ;CHARSET = "utf-8"')).toEqual({ text: UMLAUTS, charset: 'utf-8' });
    });

    it('beats the XML prolog', () => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><t>${UMLAUTS}</t>`;
      expect(decodeBody(latin1(xml), 'text/xml; charset=iso-8859-1').text).toContain(UMLAUTS);
    });

    it('falls through to the prolog when the label is unknown', () => {
      const xml = `<?xml version="1.0" encoding="ISO-8859-1"?><t>${UMLAUTS}</t>`;
      const result = decodeBody(latin1(xml), 'text/xml; charset=klingon-8');
      expect(result.text).toContain(UMLAUTS);
      expect(result.charset).toBe('windows-1252');
    });
  });

  describe('in-document declarations', () => {
    it('reads the XML prolog of a Latin-1 RSS feed', () => {
      const feed = rssFeed({ title: 'Golem-artig', items: [{ title: UMLAUTS }] }, { encoding: 'iso-8859-1' });
      const result = decodeBody(feed, 'application/rss+xml');
      expect(result.text).toContain(`<title>${UMLAUTS}</title>`);
      expect(result.charset).toBe('windows-1252');
    });

    it("reads a single-quoted prolog after leading whitespace", () => {
      const xml = `\n  <?xml version='1.0' encoding='iso-8859-1' ?><t>${UMLAUTS}</t>`;
      expect(decodeBody(latin1(xml)).text).toContain(UMLAUTS);
    });

    it('reads <meta charset>', () => {
      const page = htmlPage({ title: UMLAUTS, paragraphs: ['Ein Absatz.'], charset: 'iso-8859-1' });
      const result = decodeBody(page, 'text/html');
      expect(result.text).toContain(`<h1>${UMLAUTS}</h1>`);
      expect(result.charset).toBe('windows-1252');
    });

    it('reads an http-equiv Content-Type meta', () => {
      const html = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>${UMLAUTS}</body></html>`;
      expect(decodeBody(latin1(html)).text).toContain(UMLAUTS);
    });

    it('ignores a declaration beyond the first kilobyte', () => {
      const html = `<html><head><!-- ${'x'.repeat(2048)} --><meta charset="iso-8859-1"></head><body>${UMLAUTS}</body></html>`;
      const result = decodeBody(utf8(html));
      expect(result.charset).toBe('utf-8');
      expect(result.text).toContain(UMLAUTS);
    });

    it('treats a sniffed "utf-16" declaration as UTF-8 (the bytes were ASCII-readable)', () => {
      const xml = `<?xml version="1.0" encoding="UTF-16"?><t>${UMLAUTS}</t>`;
      expect(decodeBody(utf8(xml))).toEqual({ text: xml, charset: 'utf-8' });
    });

    it('recognises UTF-16LE XML without a BOM', () => {
      const xml = `<?xml version="1.0" encoding="UTF-16"?><t>${UMLAUTS}</t>`;
      expect(decodeBody(Buffer.from(xml, 'utf16le'))).toEqual({ text: xml, charset: 'utf-16le' });
    });
  });

  describe('no declaration', () => {
    it('uses UTF-8 when the bytes are valid UTF-8', () => {
      expect(decodeBody(utf8(`<t>${UMLAUTS}</t>`))).toEqual({ text: `<t>${UMLAUTS}</t>`, charset: 'utf-8' });
    });

    it('falls back to windows-1252 when they are not', () => {
      expect(decodeBody(latin1(`<t>${UMLAUTS}</t>`))).toEqual({ text: `<t>${UMLAUTS}</t>`, charset: 'windows-1252' });
    });

    it('handles an empty body', () => {
      expect(decodeBody(new Uint8Array(0))).toEqual({ text: '', charset: 'utf-8' });
    });
  });

  it('never throws on arbitrary bytes and headers', () => {
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const labels = [undefined, '', 'text/xml; charset=', 'text/xml; charset="', 'x; charset=utf-16', 'x; charset=replacement'];
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from({ length: next() % 300 }, () => next() % 256);
      const prefix = round % 3 === 0 ? latin1('<?xml encoding="') : new Uint8Array(0);
      const input = Buffer.concat([prefix, bytes]);
      const result = decodeBody(input, labels[round % labels.length]);
      expect(typeof result.text).toBe('string');
      expect(result.charset).toMatch(/^[a-z0-9-]+$/);
    }
  });
});
