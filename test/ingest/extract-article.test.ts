import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_ARTICLE_CHARS } from '../../src/ingest/clean-article-text.ts';
import { extractArticle } from '../../src/ingest/extract-article.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/articles');

function readFixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

function paragraphs(text: string | undefined): string[] {
  return text === undefined || text === '' ? [] : text.split('\n\n');
}

function expectAbsent(text: string, fragments: readonly string[]): void {
  for (const fragment of fragments) expect(text, fragment).not.toContain(fragment);
}

interface StoryBlock {
  tag: 'p' | 'h2';
  text: string;
}

/** A German article page around the given story: every kind of clutter a news site puts next to it. */
function pageAround(title: string, story: readonly StoryBlock[]): string {
  const [first, ...rest] = story.map((block) => `<${block.tag}>${block.text}</${block.tag}>`);
  return `<!DOCTYPE html>
<html lang="de">
<head><title>${title} | Beispielpost</title><link rel="stylesheet" href="/style.css"></head>
<body>
  <header>
    <nav><ul><li><a href="/">Start</a></li><li><a href="/netzpolitik">Netzpolitik</a></li><li><a href="/abo">Abo</a></li></ul></nav>
  </header>
  <div class="ad-slot ad-top"><span>Anzeige</span><a href="https://ads.example/click">Jetzt Stromtarif wechseln und sparen</a></div>
  <main>
    <article>
      <h1>${title}</h1>
      ${first ?? ''}
      <figure>
        <img src="/img/zaehler.jpg" alt="">
        <figcaption>Ein Smart-Meter im Keller eines Mehrfamilienhauses. <span class="image-credit">Foto: Beispielagentur</span></figcaption>
      </figure>
      <div id="werbung-mitte" class="werbung">Anzeige</div>
      ${rest.join('\n      ')}
      <div class="newsletter">
        <h3>Der Beispielpost-Newsletter</h3>
        <p>Einmal pro Woche alles Wichtige zu Datenschutz und Netzpolitik.</p>
        <form><input type="email" placeholder="Ihre E-Mail-Adresse"><button type="submit">Jetzt anmelden</button></form>
      </div>
      <section class="related">
        <h3>Mehr zum Thema</h3>
        <ul>
          <li><a href="/artikel/smart-meter-pflicht">Smart-Meter-Pflicht: Was auf Mieter zukommt</a></li>
          <li><a href="/artikel/stromanbieter-tracking">Stromanbieter und Tracking-Cookies</a></li>
        </ul>
      </section>
    </article>
    <section class="comments">
      <h3>Kommentare</h3>
      <div class="comment"><p>Nutzer_17: Das habe ich mir schon immer gedacht.</p></div>
      <div class="comment"><p>Anna B.: Ich lasse meinen Zähler wieder ausbauen.</p></div>
    </section>
  </main>
  <footer><p>Impressum</p><p>Datenschutzerklärung</p><p>© 2024 Beispielpost</p></footer>
</body>
</html>`;
}

describe('extractArticle: pages built around a story', () => {
  it('returns only the story of a page with navigation, ads, figure, newsletter box, related list, comments and footer', () => {
    const title = 'Energieversorger gibt Smart-Meter-Daten an Analysedienst weiter';
    const story: StoryBlock[] = [
      {
        tag: 'p',
        text: 'Ein Energieversorger hat die Verbrauchsdaten von Smart-Metern stündlich an einen Analysedienst weitergegeben, ohne seine Kundschaft darüber zu informieren. Aus den Verbrauchskurven lässt sich ablesen, wann jemand zu Hause ist und wann nicht.',
      },
      {
        tag: 'p',
        text: 'Aufgefallen ist das einer Kundin, die ihre Daten nach der Datenschutz-Grundverordnung angefordert hatte. In der Auskunft tauchte der Analysedienst als Empfänger auf.',
      },
      { tag: 'h2', text: 'Verbraucherschützer fordern Aufklärung' },
      {
        tag: 'p',
        text: 'Die Verbraucherzentrale verlangt, dass der Versorger offenlegt, wie lange der Dienst die Daten speichert und wofür er sie nutzt.',
      },
      { tag: 'p', text: 'Der Versorger erklärte, die Daten seien nur pseudonymisiert übermittelt worden.' },
    ];

    const article = extractArticle(pageAround(title, story), 'https://beispielpost.example/artikel/smart-meter');

    expect(article?.text).toBe(story.map((block) => block.text).join('\n\n'));
    expect(article?.title).toBe(title);
    expect(article?.lang).toBe('de');
  });
});

describe('extractArticle: our own HTML fixtures', () => {
  it('German page: the story with its subhead, quote, list and update note; nothing else', () => {
    const article = extractArticle(readFixture('de-fitness-app.html'), 'https://datenwacht.example/artikel/laufpuls');

    expect(article?.title).toBe('Fitness-App LaufPuls gibt Standortdaten preis');
    expect(article?.lang).toBe('de');
    expect(article?.byline).toBe('Erika Beispiel');
    expect(paragraphs(article?.text)).toEqual([
      'Die Fitness-App LaufPuls hat über Monate die genauen Laufstrecken ihrer Nutzerinnen und Nutzer für jeden abrufbar gemacht. Aus den Strecken ließen sich Wohnadressen und Arbeitsplätze ablesen, obwohl die Profile als privat markiert waren.',
      'Entdeckt hat die Lücke ein Student aus Kiel, der für eine Seminararbeit die öffentliche Programmierschnittstelle der App untersuchte. Über sie ließen sich die Aufzeichnungen beliebiger Konten abrufen, ohne dass eine Anmeldung nötig war.',
      'Aufsichtsbehörde prüft den Fall',
      'Die zuständige Landesdatenschutzbeauftragte hat ein Verfahren gegen den Anbieter eingeleitet. Eine Sprecherin sagte, man prüfe, ob die Firma ihre Kundschaft rechtzeitig über die Panne informiert habe.',
      'Der Hersteller räumte den Fehler auf Nachfrage ein. Betroffen seien nach eigenen Angaben rund 40.000 Konten in Deutschland und Österreich.',
      'Wir bedauern den Vorfall und haben die Schnittstelle sofort überarbeitet.',
      'Fachleute raten Betroffenen zu zwei Schritten:',
      'In den Einstellungen der App den Startbereich jeder Strecke ausblenden.',
      'Alte Aufzeichnungen löschen, die nicht mehr gebraucht werden.',
      'Update, 14. März: Der Anbieter hat die Schnittstelle nach eigenen Angaben inzwischen vollständig abgeschaltet.',
    ]);
    expectAbsent(article?.text ?? '', [
      'Cookies',
      'Startseite',
      'Laufschuhe',
      'Von Erika Beispiel',
      'Teilen',
      'Anzeige',
      'Auf der Karte',
      '(Bild:',
      'Lesen Sie auch',
      'Tracker in Gesundheits-Apps',
      'Newsletter',
      'Postfach',
      'Standortdaten\n',
      'Über die Autorin',
      'zehn Jahren',
      'Mehr zum Thema',
      'Schrittzähler',
      'Kommentare',
      'Leser42',
      'Meistgelesen',
      'Router-Lücke',
      'Impressum',
      'kein Element',
    ]);
  });

  it('English page: the story and its correction; nothing else, even inside a wrapper named after ads', () => {
    const article = extractArticle(readFixture('en-school-tablets.html'), 'https://ledger.example/2024/03/school-tablets');

    expect(article?.title).toBe("School tablets sent pupils' browsing data to an ad network");
    expect(article?.lang).toBe('en-GB');
    expect(article?.byline).toBe('Jane Roe');
    expect(paragraphs(article?.text)).toEqual([
      'Tablets handed out to pupils by a county school district quietly reported every website the children visited to an advertising company, an audit commissioned by parents has found. The devices were sold to the district as locked down for classroom use.',
      'The audit traced the traffic to a browser extension that came preinstalled on the tablets. It sent the address of each page, a device identifier and the time of day to a server run by the ad company.',
      'District says it was unaware',
      'A spokesperson for the district said it had not known about the extension and had asked the supplier to remove it from all devices by the end of the month.',
      'The data protection regulator confirmed it had received a complaint and was making enquiries.',
      'Correction, March 14: An earlier version of this story said the audit covered 12,000 tablets. It covered 9,000.',
    ]);
    expectAbsent(article?.text ?? '', [
      'Home',
      'Advertisement',
      'Cheap flights',
      'By Jane Roe',
      'Share this article',
      'LinkedIn',
      'cupboard',
      'Example Photo Agency',
      'Read more',
      'How ad networks build profiles',
      'newsletter',
      'every Thursday',
      'Sign up',
      'About the author',
      'education technology',
      'Related stories',
      'Edtech apps',
      'Comments',
      'appalling',
      'All rights reserved',
    ]);
  });
});

describe('extractArticle: link lists', () => {
  it("drops lists of links to the site's own pages and keeps lists of outside sources, even in a short article", () => {
    const html = `<html lang="de"><head><title>Bußgeld für Lieferdienst</title></head><body><article>
      <p>Die Landesdatenschutzbehörde hat einem Lieferdienst ein Bußgeld von 50.000 Euro auferlegt, weil er Standortdaten seiner Fahrer ohne Rechtsgrundlage gespeichert hat.</p>
      <ul><li><a href="https://news.example/thema/lieferdienste">Lieferdienste</a></li><li><a href="/thema/bussgelder">Bußgelder</a></li></ul>
      <p>Das Unternehmen hat angekündigt, Rechtsmittel einzulegen.</p>
      <ul><li><a href="https://behoerde.example/bericht">Pressemitteilung der Aufsichtsbehörde</a></li><li><a href="https://gericht.example/urteil">Beschluss des Verwaltungsgerichts</a></li></ul>
    </article></body></html>`;

    const article = extractArticle(html, 'https://news.example/artikel/1');

    expect(paragraphs(article?.text)).toEqual([
      'Die Landesdatenschutzbehörde hat einem Lieferdienst ein Bußgeld von 50.000 Euro auferlegt, weil er Standortdaten seiner Fahrer ohne Rechtsgrundlage gespeichert hat.',
      'Das Unternehmen hat angekündigt, Rechtsmittel einzulegen.',
      'Pressemitteilung der Aufsichtsbehörde',
      'Beschluss des Verwaltungsgerichts',
    ]);
  });
});

describe('extractArticle: untrusted pages', () => {
  const story =
    'Die Behörde hat den Anbieter wegen der Datenpanne verwarnt und ein Bußgeld angekündigt. Betroffen sind nach ihren Angaben mehrere Tausend Kundinnen und Kunden in drei Bundesländern.';
  const storyParagraph = `<p>${story}</p>`;
  const url = 'https://example.org/artikel';

  it('returns undefined when there is no article', () => {
    expect(extractArticle('', url)).toBeUndefined();
    expect(extractArticle('\u0000\u0001<<<>>><!-- <p x="', url)).toBeUndefined();
    expect(extractArticle('<html><body><nav><a href="/">Start</a></nav><footer>Impressum</footer></body></html>', url)).toBeUndefined();
    expect(extractArticle(undefined as unknown as string, url)).toBeUndefined();
  });

  it('reads fragments and pages without an html element', () => {
    expect(extractArticle(storyParagraph, url)?.text).toBe(story);
    expect(extractArticle(`<head><title>Titel</title></head><body>${storyParagraph}</body>`, url)?.text).toBe(story);
  });

  it('ignores an invalid page URL', () => {
    expect(extractArticle(storyParagraph, 'not a url')?.text).toBe(story);
  });

  it('leaves out a malformed language attribute', () => {
    const article = extractArticle(`<html lang="de&quot;><script>"><body>${storyParagraph}</body></html>`, url);
    expect(article?.text).toBe(story);
    expect(article?.lang).toBeUndefined();
  });

  it('gives up on pages nested deeper or holding more elements than the budget', () => {
    expect(extractArticle(`<html><body>${'<div>'.repeat(50)}${storyParagraph}</body></html>`, url)?.text).toBe(story);
    expect(extractArticle(`<html><body>${'<div>'.repeat(1_000_000)}${storyParagraph}</body></html>`, url)).toBeUndefined();
    expect(extractArticle(`<html><body>${storyParagraph}${'<span>x</span>'.repeat(30_000)}</body></html>`, url)).toBeUndefined();
  });

  it('does not count markup inside comments and scripts, also unterminated ones', () => {
    const inScript = `<html><body>${storyParagraph}<script>var s = "${'<div>'.repeat(200_000)}";</script></body></html>`;
    const inComment = `<html><body>${storyParagraph}<!-- ${'<div>'.repeat(200_000)} --></body></html>`;
    expect(extractArticle(inScript, url)?.text).toBe(story);
    expect(extractArticle(inComment, url)?.text).toBe(story);
    expect(extractArticle(`<html><body>${storyParagraph}<script>${'<div>'.repeat(1_000)}`, url)?.text).toBe(story);
    expect(extractArticle(`<html><body>${storyParagraph}<!-- ${'<div>'.repeat(1_000)}`, url)?.text).toBe(story);
  });

  it('reads only the first 5 MB of a page and returns at most 100,000 characters', () => {
    const paragraph = (i: number): string => `<p>Absatz ${i}: Die Aufsicht veröffentlichte weitere Unterlagen zu dem Vorgang und nannte neue Zahlen zu den Betroffenen.</p>`;
    const paragraphs1 = Array.from({ length: 1_500 }, (_, i) => paragraph(i)).join('');
    const huge = `<html><body><article>${paragraphs1}</article><!--${'x'.repeat(6 * 1024 * 1024)}--><p>Hinter der Grenze</p></body></html>`;

    const article = extractArticle(huge, url);

    expect(article?.text.startsWith('Absatz 0: Die Aufsicht')).toBe(true);
    expect(article?.text.length).toBeLessThanOrEqual(MAX_ARTICLE_CHARS);
    expect(article?.text.length).toBeGreaterThan(MAX_ARTICLE_CHARS / 2);
    expect(article?.text).not.toContain('Hinter der Grenze');
  });
});

describe('extractArticle: failures inside Readability', () => {
  afterEach(() => {
    vi.doUnmock('@mozilla/readability');
    vi.resetModules();
  });

  it('returns undefined instead of throwing when Readability throws', async () => {
    vi.resetModules();
    vi.doMock('@mozilla/readability', () => ({
      Readability: class {
        parse(): never {
          throw new TypeError('odd tree');
        }
      },
    }));
    const { extractArticle: extractWithFailingReadability } = await import('../../src/ingest/extract-article.ts');

    expect(extractWithFailingReadability('<html><body><p>Ein Absatz.</p></body></html>', 'https://example.org/')).toBeUndefined();
  });
});
