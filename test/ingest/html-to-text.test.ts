import { describe, expect, it } from 'vitest';
import { htmlToText, htmlToTextWithTopics } from '../../src/ingest/html-to-text.ts';

describe('htmlToText: entities', () => {
  it('decodes named, decimal and hex references', () => {
    expect(htmlToText('Gr&ouml;&szlig;e &amp; Ma&szlig; &hellip; &#8222;Zitat&#x201C; &euro;5')).toBe(
      'Größe & Maß … „Zitat“ €5',
    );
  });

  it('decodes names that only HTML5 knows, and keeps unknown names as text', () => {
    expect(htmlToText('&bigstar; &NotNestedGreaterGreater; &notaname; &Auml;')).toBe('★ ⪢̸ &notaname; Ä');
  });

  it('decodes content that was entity-escaped once too often', () => {
    expect(htmlToText('&amp;quot;Daten&amp;quot; &amp;amp;amp; &amp;#8211; &amp;auml;')).toBe('"Daten" & – ä');
  });

  it('reads numeric references to C1 codes as Windows-1252, as browsers do', () => {
    expect(htmlToText('a &#150; b &#128;')).toBe('a – b €');
  });

  it('turns impossible code points into the replacement character', () => {
    expect(htmlToText('x&#0;y&#xD800;z&#x110000;')).toBe('x\ufffdy\ufffdz\ufffd');
  });

  it('leaves a bare ampersand alone', () => {
    expect(htmlToText('AT&T & R&D')).toBe('AT&T & R&D');
  });
});

describe('htmlToText: markup', () => {
  it('strips tags without breaking words at inline elements', () => {
    expect(htmlToText('Ein <b>fett</b>er <a href="https://x.example/">Link</a>text')).toBe('Ein fetter Linktext');
  });

  it('drops scripts, styles, noscript and images with everything in them', () => {
    const html =
      '<p>Vorher</p><script type="text/javascript">var secret = "<p>nope</p>";</script>' +
      '<style>p { color: red }</style><noscript><img src="https://cpx.golem.de/cpx.php?x=1"></noscript>' +
      '<img src="https://t.example/pixel.gif" width="1" height="1" alt="Pixel"><p>Nachher</p>';
    expect(htmlToText(html)).toBe('Vorher\n\nNachher');
  });

  it('turns block elements into paragraphs separated by a blank line', () => {
    const html = '<h2>Titel</h2><p>Eins</p><div>Zwei<br>Drei</div><ul><li>a</li><li>b</li></ul><blockquote>Zitat</blockquote>';
    expect(htmlToText(html)).toBe('Titel\n\nEins\n\nZwei\n\nDrei\n\na\n\nb\n\nZitat');
  });

  it('folds whitespace, including tabs, newlines and no-break spaces', () => {
    expect(htmlToText('  <p>  viel \t\n  Platz&nbsp;&nbsp;hier </p>\n\n<p></p>  ')).toBe('viel Platz hier');
  });

  it('drops comments, doctype and processing instructions', () => {
    expect(htmlToText('<!DOCTYPE html><?php echo 1 ?>a<!-- <p>hidden</p> -->b')).toBe('ab');
  });

  it('honours quotes in attributes that contain ">"', () => {
    expect(htmlToText('<a title="a > b" data-x=\'<p>\'>Link</a> danach')).toBe('Link danach');
  });

  it('keeps a "<" that does not start a tag', () => {
    expect(htmlToText('1 < 2 and 3<4, x <= y')).toBe('1 < 2 and 3<4, x <= y');
  });

  it('survives broken markup without throwing', () => {
    expect(htmlToText('Text <a href="unclosed')).toBe('Text');
    expect(htmlToText('Text <!-- never closed')).toBe('Text');
    expect(htmlToText('Text <script>no end')).toBe('Text');
    expect(htmlToText('</p></div>Text<p')).toBe('Text');
    expect(htmlToText('')).toBe('');
  });

  it('handles large pathological input in linear time', () => {
    const html = `${'<'.repeat(200_000)}${'<p>x\n'.repeat(50_000)}&amp;`.repeat(2);
    const text = htmlToText(html);
    expect(text.startsWith('<<<')).toBe(true);
    expect(text.endsWith('&')).toBe(true);
  });
});

describe('htmlToText: unwanted characters', () => {
  it('removes control characters and bidi overrides and isolates', () => {
    const html = 'a\u0000b\u0007c\u001Fd\u007F\u0085e \u202Eexe.txt\u202C \u2066iso\u2069 &#8238;x&#x202A; &#7;y\uFEFF';
    expect(htmlToText(html)).toBe('abcde exe.txt iso x y');
  });

  it('never returns lone surrogates', () => {
    expect(htmlToText('a\uD800b')).toBe('a\uFFFDb');
  });
});

describe('htmlToTextWithTopics: trailing link list', () => {
  const golemLike =
    'Ein Fehler erlaubte Codeausführung. (<a href="https://www.golem.de/specials/security/">Security</a>, ' +
    '<a href="https://www.golem.de/specials/datenschutz/">Datenschutz</a>) ' +
    '<img src="https://cpx.golem.de/cpx.php?class=17&amp;aid=1" alt="" width="1" height="1" />';

  it('drops a trailing parenthesised list made only of links and returns its labels', () => {
    expect(htmlToTextWithTopics(golemLike)).toEqual({
      text: 'Ein Fehler erlaubte Codeausführung.',
      topics: ['Security', 'Datenschutz'],
    });
    expect(htmlToText(golemLike)).toBe('Ein Fehler erlaubte Codeausführung.');
  });

  it('accepts other separators and a single link', () => {
    expect(htmlToTextWithTopics('Text (<a>A</a> | <a>B</a> / <a>C</a>)').topics).toEqual(['A', 'B', 'C']);
    expect(htmlToTextWithTopics('Text (<a>Quelle</a>)')).toEqual({ text: 'Text', topics: ['Quelle'] });
  });

  it('keeps a parenthesised group that also holds plain words', () => {
    expect(htmlToTextWithTopics('Text (<a>A</a>, Wort, <a>B</a>)')).toEqual({ text: 'Text (A, Wort, B)', topics: [] });
    expect(htmlToTextWithTopics('Text (siehe <a>A</a>)')).toEqual({ text: 'Text (siehe A)', topics: [] });
  });

  it('keeps link lists that are not at the end', () => {
    expect(htmlToTextWithTopics('(<a>A</a>, <a>B</a>) und mehr')).toEqual({ text: '(A, B) und mehr', topics: [] });
  });

  it('leaves an empty text when the list was all there was', () => {
    expect(htmlToTextWithTopics('(<a>A</a>)')).toEqual({ text: '', topics: ['A'] });
  });
});
