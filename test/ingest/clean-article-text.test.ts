import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanArticleText, MAX_ARTICLE_CHARS } from '../../src/ingest/clean-article-text.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = path.resolve(repoRoot, 'test/fixtures/articles');
const samples = path.resolve(repoRoot, '../shared/samples');

function paragraphs(text: string): string[] {
  return text === '' ? [] : text.split('\n\n');
}

function occurrences(text: string, fragment: string): number {
  return text.split(fragment).length - 1;
}

function expectEachOnce(text: string, sentences: readonly string[]): void {
  for (const sentence of sentences) expect(occurrences(text, sentence), sentence).toBe(1);
}

function expectAbsent(text: string, fragments: readonly string[]): void {
  for (const fragment of fragments) expect(text, fragment).not.toContain(fragment);
}

/** Reads a scraped article whose first line is its title; `lines` are the file's lines, trimmed. */
function readArticle(file: string): { text: string; title: string; lines: string[] } {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').map((line) => line.trim());
  return { text, title: lines[0] ?? '', lines };
}

/** The file lines with these 1-based numbers: the story paragraphs, counted by hand. */
function linesAt(lines: readonly string[], numbers: readonly number[]): string[] {
  return numbers.map((n) => lines[n - 1] ?? '');
}

// The real samples live beside the repository in ../shared; skip when it is not checked out there.
describe.skipIf(!existsSync(samples))('cleanArticleText: the real samples in ../shared/samples', () => {
  it('ring-police-videos: the article posted twice comes out once, without caption and forum notice', () => {
    const { text, title, lines } = readArticle(path.join(samples, 'ring-police-videos.de.txt'));
    const cleaned = cleanArticleText(text, { title, language: 'de' });

    expect(paragraphs(cleaned)).toEqual(linesAt(lines, [3, 4, 5, 6, 7, 8]));
    expectEachOnce(cleaned, [
      'Amazon-Tochter Ring hat auch in Deutschland Aufnahmen seiner Überwachungskameras und smarten Türklingeln ohne Gerichtsbeschluss an Behörden weitergegeben.',
      'Auf eine Anfrage des Handelsblatts hatte das Unternehmen die Weitergabe eingeräumt.',
      'Dem Handelsblatt (Paywall) erklärte ein Amazon-Sprecher, dass die Daten weitergegeben würden',
      'Solche Dringlichkeitsanträge seien aber selten.',
      'Stefan Brink, Landesdatenschutzbeauftragter aus Baden-Württemberg, kritisierte Amazon und brachte Bußgelder ins Spiel',
      'denen Untersagungen, Bußgelder und Schadensersatzpflichten drohen.',
      'In den USA wurden Videos ohne Zustimmung der Nutzer oder Gerichtsbeschluss weitergegeben',
      'In den USA hatte der demokratische US-Senator Ed Markey Ring im Juni dieses Jahres angeschrieben',
      'Eine von Markey standardmäßige Aktivierung der Ende-zu-Ende-Verschlüsselung lehnte Amazon ab.',
    ]);
    expectAbsent(cleaned, [
      '(Bild:',
      'Chip Somodevilla',
      'Die Videos der smarten Türklingeln von Ring können auch bei der Polizei landen',
      'Regestriert',
      'angehängte Bild',
      'Quelle: golem',
      'Nicht nur in den USA, auch in Deutschland',
    ]);
  });

  it('amazon-employees-sell-data: ads, rating, related lists, newsletter and author boxes go; every story paragraph stays', () => {
    const { text, title, lines } = readArticle(path.join(samples, 'amazon-employees-sell-data.de.txt'));
    const cleaned = cleanArticleText(text, { title, language: 'de' });

    // Intro, three subheads with their paragraphs, and the "Fazit" section: nine paragraphs.
    expect(paragraphs(cleaned)).toEqual(linesAt(lines, [5, 9, 11, 13, 15, 17, 19, 21, 23]));
    expectEachOnce(cleaned, [
      'Ein aktueller Fall aus China bringt jetzt eine neue Form des Datenmissbrauchs ans Tageslicht.',
      'Dort sollen Amazon-Mitarbeiter Kundendaten an externe Händler verkauft haben.',
      'Kundendaten in China verkauft',
      'Der Konzern untersucht daher derzeit auch einige amerikanische Mitarbeiter.',
      'Zwischenhändler bieten diese aktuell für 80 bis 2000 Dollar an.',
      'Das lassen sich die Zwischenhändler mit rund 300 Dollar bezahlen.',
      'Amazon gab an, diesen Datenmissbrauch nicht zu tolerieren.',
      'Fazit',
      'Mittlerweile sollen dort zwei Millionen Anbieter tätig sein.',
      'die Kundendaten gegen entsprechende Zahlungen herauszugeben.',
    ]);
    expectAbsent(cleaned, [
      'Bestechlich: Amazon-Mitarbeiter verkaufen Kundendaten',
      '(1 Bewertung',
      'Anzeige',
      'Sagen Sie uns Ihre Meinung',
      'Diese Beiträge könnten Sie ebenfalls interessieren',
      'Weiterlesen',
      'Preisrabatten',
      'Buchpreisbindung',
      'Newsletter',
      'Widerrufsbelehrung',
      'loading',
      'Premium',
      'Impressum',
      'Sören Siebert',
      'kanzlei-siebert.de',
      'SSL-Zertifikate',
      'easybill',
      'DSGVO Schnellstarter',
      'Abmahnfallen',
      'Mehr Details',
    ]);
  });

  it('o2-smart-steps: the update note stays; byline, repeated title, comment links and source credit go', () => {
    const { text, title, lines } = readArticle(path.join(samples, 'o2-smart-steps.de.txt'));
    const cleaned = cleanArticleText(text, { title, language: 'de' });

    expect(paragraphs(cleaned)).toEqual(linesAt(lines, [5, 9, 11, 13, 15, 17, 19, 21, 23, 25]));
    expectEachOnce(cleaned, [
      'O2 macht nun leider Nägel mit Köpfen.',
      '[Update vom 1. November 2012]: Wie das Handelsblatt soeben meldet, hat das Bundeswirtschaftsministerium O2s Smart Step-Vorhaben in Deutschland gestoppt.',
      'der Handel mit Standortdaten grundsätzlich verboten.',
      'Nach dem Feedback unserer Kunden haben wir uns nun allerdings entschieden, Smart Steps in Deutschland nicht einzuführen.',
      '„Smart Steps“ nennt sich O2s neues B2B-Produkt ganz harmlos',
      'Sie erfahren, wo Ihre potenziellen Kunden wirklich sind, wann sie da sind - und wie oft.',
      'eine Möglichkeit, diesen Absatz abzuwählen gibt es nicht.',
      'Information ist alles, Privatsphäre und Datenschutz hingegen nicht so viel wert.',
    ]);
    expectAbsent(cleaned, [
      'O2 Smart Steps: Verkauf von Kunden-Bewegungsdaten',
      'Amir Tamannai',
      'tagesschau.de',
      'SmartDroid',
      'Zu den Kommentaren',
      'Kommentare zu dieser News',
      'Weitere Themen',
      'Werbung',
    ]);
  });

  it('cleans the samples just as well when the language is not known', () => {
    for (const file of ['ring-police-videos.de.txt', 'amazon-employees-sell-data.de.txt', 'o2-smart-steps.de.txt']) {
      const { text, title } = readArticle(path.join(samples, file));
      expect(cleanArticleText(text, { title }), file).toBe(cleanArticleText(text, { title, language: 'de' }));
    }
  });
});

describe('cleanArticleText: our own plain-text fixtures', () => {
  it('German: byline, date, reading time, share bar, ads, captions, rating, newsletter box, repeat, source credit, author box and related list go', () => {
    const { text, title } = readArticle(path.join(fixtures, 'de-messenger-kontakte.txt'));
    const cleaned = cleanArticleText(text, { title, language: 'de' });

    expect(paragraphs(cleaned)).toEqual([
      'Ein Gutachten im Auftrag einer Verbraucherzentrale kommt zu dem Schluss, dass der Messenger-Dienst Plauderfix hochgeladene Adressbücher bis zu zwei Jahre lang aufbewahrt. In den Datenschutzhinweisen des Dienstes ist dagegen von dreißig Tagen die Rede.',
      'Die Gutachter hatten ein Testkonto angelegt, ein Adressbuch mit erfundenen Einträgen hochgeladen und das Konto anschließend gelöscht. Ein Auskunftsersuchen nach Artikel 15 DSGVO zeigte Monate später, dass die Einträge weiterhin gespeichert waren.',
      'Was der Anbieter sagt',
      'Plauderfix erklärte auf Anfrage, die längere Speicherung diene der Abwehr von Spam. Man werde die Datenschutzhinweise „zeitnah präzisieren“.',
      'Anzeige gegen den Anbieter geprüft',
      'Die Verbraucherzentrale prüft nach eigenen Angaben eine Anzeige bei der zuständigen Aufsichtsbehörde. Betroffene können bei Plauderfix selbst Auskunft darüber verlangen, welche ihrer Kontakte gespeichert sind.',
      'Nachtrag vom 13. März: Plauderfix hat inzwischen angekündigt, die Speicherfrist auf dreißig Tage zu verkürzen.',
    ]);
    expectAbsent(cleaned, [
      'Jonas Beispiel',
      '12.03.2024',
      'Lesezeit',
      'WhatsApp',
      '- Anzeige -',
      'Foto',
      'Verbraucherzentrale Musterland',
      'Lesen Sie auch',
      'Bewertungen',
      'Plauderfix-Newsletter',
      'Postfach',
      'E-Mail-Adresse',
      'Jetzt anmelden',
      'netzpolitik.org',
      'Weiterlesen',
      'Über den Autor',
      'Das könnte Sie auch interessieren',
      'Videokonferenzen',
      'Kommentare',
      'Leser42',
    ]);
  });

  it('English: an early related list, byline, date, ad label, captions, read-more links, sign-up, rating, share bar, forum notice, source credit and author box go', () => {
    const { text, title } = readArticle(path.join(fixtures, 'en-smart-tv.txt'));
    const cleaned = cleanArticleText(text, { title, language: 'en' });

    expect(paragraphs(cleaned)).toEqual([
      'A television manufacturer has admitted that its sets recorded what owners were watching and passed the information to advertising partners, after a consumer group found the feature switched on by default.',
      "The consumer group said the sets took a snapshot of the screen every few seconds, matched it against a database of programmes and adverts, and reported the result together with the household's network address.",
      'What regulators say',
      'The national data protection authority said it was aware of the findings and would ask the manufacturer to explain the legal basis for the processing.',
      'Correction, March 13: An earlier version of this article gave the wrong number of affected models. It is 14, not 40.',
    ]);
    expectAbsent(cleaned, [
      'Smart TV maker admits',
      'Jane Roe',
      'March 12, 2024',
      'min read',
      'Related stories',
      'Smart speakers',
      'Your car is watching you',
      'ADVERTISEMENT',
      'living room',
      'Example Photo Agency',
      'Read also',
      'Read more',
      'newsletter',
      'Rated',
      'Share this article',
      'LinkedIn',
      'logged in',
      'Example Wire',
      'About the author',
      'Leave a comment',
    ]);
  });
});

describe('cleanArticleText: repeated paragraphs', () => {
  const first = 'Die Aufsichtsbehörde hat gegen den Betreiber der Überwachungskameras ein Bußgeld verhängt.';
  const second = 'Der Betreiber kündigte an, gegen den Bescheid Einspruch einzulegen, und verwies auf frühere Gutachten.';

  it('keeps the first occurrence, comparing regardless of case, punctuation and spacing', () => {
    const variant = 'die  aufsichtsbehörde hat gegen den Betreiber der Überwachungskameras ein Bußgeld verhängt!!';
    expect(cleanArticleText(`${first}\n\n${second}\n\n${variant}`)).toBe(`${first}\n\n${second}`);
  });

  it('drops a whole block posted again, also when its paragraphs are joined differently', () => {
    const third = 'Eine Entscheidung des Verwaltungsgerichts wird nicht vor dem Herbst erwartet, heißt es aus Justizkreisen.';
    const original = [first, second, third].join('\n');
    const repostJoined = `${first} ${second}\n${third}`;
    expect(cleanArticleText(`${original}\nQuelle: Beispielforum\n${repostJoined}`)).toBe([first, second, third].join('\n\n'));
  });

  it('keeps a new paragraph that merely shares one sentence with an earlier one', () => {
    const quoting = `${first} Neu ist dagegen, dass auch die Landesregierung nun eine Prüfung der Vergabe angekündigt hat und Akten anfordert.`;
    expect(paragraphs(cleanArticleText(`${first}\n\n${quoting}`))).toEqual([first, quoting]);
  });
});

describe('cleanArticleText: labels and boxes', () => {
  const story =
    'Ein Hersteller von Babyphones hat Aufnahmen aus Kinderzimmern unverschlüsselt übertragen. Sicherheitsforscher fanden die Lücke bei einer Routineprüfung.';
  const more = 'Der Hersteller hat inzwischen ein Update verteilt, das die Verbindung verschlüsselt. Ältere Geräte erhalten es nicht.';

  it.each([
    ['Anzeige'],
    ['- Anzeige -'],
    ['[Werbung]'],
    ['* Werbung'],
    ['ADVERTISEMENT'],
    ['Sponsored'],
    ['Newsletter abonnieren'],
    ['Jetzt anmelden'],
    ['Sign up for our newsletter'],
    ['Jetzt Mitglied werden'],
    ['(1 Bewertung, 5.00 von 5)'],
    ['(12 votes, average: 4.50 out of 5)'],
    ['3 Bewertungen, Durchschnitt 4,7 von 5'],
    ['Bewertung: 4,5 von 5 Sternen'],
    ['Weiterlesen...'],
    ['Read more »'],
    ['Teilen'],
    ['Artikel teilen'],
    ['Share on Facebook'],
    ['Facebook Twitter WhatsApp E-Mail'],
    ['Lesen Sie auch: Wie Babyphones sicherer werden'],
    ['Read also: Baby monitors and the cloud'],
    ['Bild: Beispielagentur'],
    ['Foto: picture alliance / Beispielagentur | Max Muster'],
    ['Image: Example Photo Agency'],
    ['Credit: Jane Roe for The Example'],
    ['Getty Images/iStockphoto'],
    ['Max Muster / Shutterstock'],
    ['© 2024 Beispielverlag GmbH'],
    ['Du musst registriert sein, um Links sehen zu können.'],
    ['You must be registered to see the attached image.'],
    ['Dieser Artikel ist nur für Abonnenten verfügbar.'],
    ['Subscribe to continue reading'],
    ['Lesezeit: 3 Min.'],
    ['loading...'],
  ])('drops the line %j', (clutter) => {
    expect(cleanArticleText(`${story}\n${clutter}\n${more}`)).toBe(`${story}\n\n${more}`);
  });

  it('drops a short caption ending in a credit, and only the credit of a long paragraph', () => {
    const caption = 'Das Babyphone im Kinderzimmer. (Foto: Beispielagentur)';
    const english = 'A baby monitor on a shelf in a nursery. (Image: Example Photo Agency)';
    const unbracketed = 'The monitor and its app. Photo: Jane Roe/Example Agency';
    const longWithCredit = `${more} Die Forscher zeigten die unverschlüsselten Bilder auf einer Fachkonferenz in Hamburg und veröffentlichten ihre Werkzeuge, damit Besitzer ihre Geräte selbst prüfen können. (Bild: Beispielagentur)`;
    const cleaned = cleanArticleText([story, caption, english, unbracketed, longWithCredit].join('\n'));
    expect(paragraphs(cleaned)).toEqual([story, longWithCredit.replace(' (Bild: Beispielagentur)', '')]);
  });

  it('strips a "read more" link from the end of a paragraph', () => {
    expect(cleanArticleText(`${story} [Weiterlesen]\n${more} Read more…`)).toBe(`${story}\n\n${more}`);
  });

  it('drops a newsletter box from its heading to the sign-up label', () => {
    const box = ['Der Babyphone-Newsletter', 'Jede Woche neue Testergebnisse.', 'Ihre E-Mail-Adresse', 'Jetzt anmelden'];
    const english = ['The Privacy Weekly newsletter', 'Our best stories every Thursday.', 'Sign up'];
    expect(cleanArticleText([story, ...box, ...english, more].join('\n'))).toBe(`${story}\n\n${more}`);
  });

  it('keeps a subhead that mentions a newsletter when no sign-up box follows', () => {
    const subhead = 'Der Newsletter als Einfallstor';
    expect(paragraphs(cleanArticleText([story, subhead, more].join('\n')))).toEqual([story, subhead, more]);
  });

  it('keeps story lines that merely start like clutter', () => {
    const lines = [
      story,
      'Anzeige gegen Unbekannt erstattet',
      'Die Polizei ermittelt nach einer Anzeige der Forscher. Dem Handelsblatt (Paywall) zufolge geht es um mehrere Tausend Geräte.',
      'Teilen sich Geschwister ein Zimmer, sind beide Kinder betroffen.',
      'Die Forscher zeigten ein Foto: das Babyphone neben dem Router',
      '12 Stimmen entfielen im Ausschuss auf den Antrag der Opposition.',
      'Getty Images verklagt Hersteller von Bildgeneratoren',
      more,
    ];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual(lines);
  });
});

describe('cleanArticleText: the end of the story', () => {
  const body = [
    'Ein Onlineshop für Brillen hat Rezeptdaten seiner Kundschaft über eine falsch eingestellte Datenbank offen ins Netz gestellt. Ein Sicherheitsforscher meldete den Fund.',
    'Der Shop hat die Datenbank nach eigenen Angaben am selben Tag geschlossen und die Behörden informiert.',
  ];

  it.each([
    ['Mehr zum Thema', ['Brillenkauf im Netz: Darauf sollten Sie achten', 'Rezeptdaten: Was Optiker speichern dürfen']],
    ['Diese Beiträge könnten Sie ebenfalls interessieren:', ['Datenpannen im Handel nehmen zu', 'Weiterlesen...']],
    ['Weitere Themen', ['Cookie-Banner im Test']],
    ['Related articles', ['Online shops leak customer data', 'Read more']],
    ['Kommentare (4)', ['Leser7: Unglaublich, dass so etwas immer noch passiert.']],
    ['Zu den Kommentaren', ['Kommentare zu dieser News']],
    ['Sagen Sie uns Ihre Meinung zum Thema.', ['Ihr Name', 'Ihr Kommentar']],
    ['Leave a comment', ['Your name', 'Post comment']],
    ['Über den Autor', ['Max Beispiel schreibt seit Jahren über Datenschutz im Handel. Er lebt in Leipzig.']],
    ['About the author', ['Jane Roe covers retail and privacy. She lives in Leeds.']],
  ])('stops the story at %j after the body', (heading, after) => {
    expect(cleanArticleText([...body, heading, ...after].join('\n'))).toBe(body.join('\n\n'));
  });

  it('drops a related list standing before the story, but not the story', () => {
    const text = ['Mehr zum Thema', 'Brillenkauf im Netz: Darauf sollten Sie achten', 'Optiker speichern mehr, als Sie denken...', ...body].join('\n');
    expect(cleanArticleText(text)).toBe(body.join('\n\n'));
  });

  it('keeps a subhead that happens to start like a comment heading', () => {
    const subhead = 'Kommentare der Opposition';
    const lines = [...body, subhead, 'Die Opposition forderte strengere Kontrollen für Onlinehändler, die Gesundheitsdaten verarbeiten.'];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual(lines);
  });

  it.each([
    ['Quelle: golem'],
    ['Quelle: netzpolitik.org'],
    ['tagesschau.de [via SmartDroid]'],
    ['(dpa)'],
    ['dpa/AFP'],
    ['Mit Material von dpa'],
    ['Source: Reuters'],
    ['Via The Verge'],
    ['example.com via Ars Technica'],
  ])('drops the trailing source credit %j', (credit) => {
    expect(cleanArticleText([...body, credit].join('\n'))).toBe(body.join('\n\n'));
  });

  it('keeps a short closing sentence of the story', () => {
    const lines = [...body, 'Der Shop prüft rechtliche Schritte.'];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual(lines);
  });

  it.each([
    ['Update: Das Ministerium hat den Plan inzwischen gestoppt.'],
    ['Update vom 12. März: Die Aufsichtsbehörde hat ein Verfahren eröffnet.'],
    ['[Update, 14:20 Uhr]: Der Shop hat alle Betroffenen per E-Mail informiert, via Newsletter.'],
    ['Nachtrag: Der Shop hat inzwischen Anzeige erstattet.'],
    ['Correction: An earlier version of this story misnamed the shop.'],
    ['Update via Twitter: Lücke geschlossen'],
  ])('keeps the update note %j, also at the very end', (note) => {
    const lines = [...body, note];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual(lines);
  });
});

describe('cleanArticleText: title, lead and output', () => {
  const title = 'Stadt filmt Marktplatz ohne Hinweisschilder';
  const story = 'Die Stadt hat auf dem Marktplatz Kameras installiert, ohne mit Schildern darauf hinzuweisen. Der Landesdatenschutzbeauftragte prüft den Fall.';
  const more = 'Die Stadtverwaltung verweist auf gestiegene Sachbeschädigungen und will die Schilder nachrüsten.';

  it('drops the title when the text repeats it, as first line and later', () => {
    expect(cleanArticleText(`${title}\n\n${story}\n\n${title.toUpperCase()}\n\n${more}`, { title })).toBe(`${story}\n\n${more}`);
  });

  it('keeps a first line that is not the title', () => {
    expect(paragraphs(cleanArticleText(`${story}\n\n${more}`, { title }))).toEqual([story, more]);
  });

  it('drops bylines and date lines before the body only', () => {
    const lead = ['Von Anna Muster und Ben Beispiel', 'Autorin: Clara Test', 'Mo., 12. März 2024, 14:30 Uhr', 'Stand: 12.03.2024', 'By Jane Roe', 'Published March 12, 2024'];
    expect(cleanArticleText([...lead, story, more].join('\n'))).toBe(`${story}\n\n${more}`);
  });

  it('keeps an update note in the lead, where date lines go', () => {
    const lines = ['Aktualisiert am 12.03.2024: Kameras aus', 'Updated March 12, 2024, 2:30 p.m. ET', story, more];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual([lines[0], story, more]);
  });

  it('keeps a first line that only looks like a byline', () => {
    const lines = ['Von der Leyen kündigt Prüfung an', story, more];
    expect(paragraphs(cleanArticleText(lines.join('\n')))).toEqual(lines);
  });

  it('joins paragraphs with one blank line and folds whitespace, whatever the line breaks', () => {
    const messy = `\r\n  Die Stadt\that\u00a0auf dem Markt\u00ADplatz Kameras   installiert.\r\n\r\n\r\n \n${more}\r\n\n\n`;
    expect(cleanArticleText(messy)).toBe(`Die Stadt hat auf dem Marktplatz Kameras installiert.\n\n${more}`);
  });

  it('returns an empty string when nothing of a story is left', () => {
    expect(cleanArticleText('')).toBe('');
    expect(cleanArticleText('Anzeige\n\nWeiterlesen...\n\n   \n')).toBe('');
    expect(cleanArticleText(undefined as unknown as string)).toBe('');
  });

  it('selects the phrases by language: German clutter phrases do not touch English text', () => {
    const english = [
      'The council installed cameras on the market square without putting up any signs, although the law requires them. The regional regulator is now looking into the case and has asked the council for its impact assessment.',
      'Weitere Themen',
      'The council says the signs will follow.',
    ];
    expect(paragraphs(cleanArticleText(english.join('\n'), { language: 'en' }))).toEqual(english);
    expect(paragraphs(cleanArticleText(english.join('\n'), { language: 'de' }))).toEqual(english.slice(0, 1));
  });
});

describe('cleanArticleText: bounded work on hostile input', () => {
  it('cuts long input and never returns more than the limit', () => {
    const paragraph = (i: number): string => `Absatz ${i}: Die Behörde veröffentlichte weitere Unterlagen zu dem Vorgang und nannte neue Zahlen.`;
    const long = Array.from({ length: 3_000 }, (_, i) => paragraph(i)).join('\n');
    expect(long.length).toBeGreaterThan(MAX_ARTICLE_CHARS * 2);
    const cleaned = cleanArticleText(long);
    expect(cleaned.length).toBeLessThanOrEqual(MAX_ARTICLE_CHARS);
    expect(cleaned.startsWith(paragraph(0))).toBe(true);
    expect(cleaned.endsWith('neue Zahlen.')).toBe(true);
  });

  it('handles inputs built to make patterns backtrack', () => {
    const inputs = [
      '('.repeat(100_000),
      `${'(Bild: '.repeat(10_000)}x`,
      `Von ${'A-'.repeat(40_000)}`,
      `${'Foto: '.repeat(15_000)}`,
      '\n'.repeat(100_000),
      `${'a '.repeat(50_000)}Weiterlesen`,
      Array.from({ length: 20_000 }, () => 'Anzeige').join('\n'),
    ];
    for (const input of inputs) {
      const cleaned = cleanArticleText(input);
      expect(typeof cleaned).toBe('string');
      expect(cleaned.length).toBeLessThanOrEqual(MAX_ARTICLE_CHARS);
    }
  });
});
