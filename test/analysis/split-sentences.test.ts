import { describe, expect, it } from 'vitest';
import { MAX_SPLIT_CHARS, splitSentences } from '../../src/analysis/split-sentences.ts';

describe('splitSentences: German abbreviations, ordinals and dates stay inside the sentence', () => {
  const cases: [string, string[]][] = [
    ['Betroffen sind z. B. Kundendaten. Dann folgte mehr.', ['Betroffen sind z. B. Kundendaten.', 'Dann folgte mehr.']],
    ['Betroffen sind z.B. Kundendaten. Dann folgte mehr.', ['Betroffen sind z.B. Kundendaten.', 'Dann folgte mehr.']],
    ['Es geht um 5 Mio. Euro und 2 Mrd. Datensätze. Die Firma schweigt.', ['Es geht um 5 Mio. Euro und 2 Mrd. Datensätze.', 'Die Firma schweigt.']],
    ['Das sagte Dr. Müller. Er lehrt mit Prof. Schmidt.', ['Das sagte Dr. Müller.', 'Er lehrt mit Prof. Schmidt.']],
    ['Es waren ca. 300 Nutzer bzw. Kunden. Mehr nicht.', ['Es waren ca. 300 Nutzer bzw. Kunden.', 'Mehr nicht.']],
    ['Betroffen sind u. a. Ärzte, d. h. Praxen. Gut.', ['Betroffen sind u. a. Ärzte, d. h. Praxen.', 'Gut.']],
    ['Laut Nr. 5 und Abs. 2 gilt das. Ende.', ['Laut Nr. 5 und Abs. 2 gilt das.', 'Ende.']],
    ['Die Verarbeitung nach Art. 6 DSGVO war unzulässig. Das Gericht entschied.', ['Die Verarbeitung nach Art. 6 DSGVO war unzulässig.', 'Das Gericht entschied.']],
    ['Der Sitz ist in St. Gallen. Dort arbeitet man.', ['Der Sitz ist in St. Gallen.', 'Dort arbeitet man.']],
    ['Das Buch (Hrsg. Verlag Beispiel) erschien. Vgl. Kapitel drei.', ['Das Buch (Hrsg. Verlag Beispiel) erschien.', 'Vgl. Kapitel drei.']],
    ['Der Preis, inkl. Steuern, stieg. Namen, Adressen etc. Die Firma schwieg.', ['Der Preis, inkl. Steuern, stieg.', 'Namen, Adressen etc.', 'Die Firma schwieg.']],
    ['Es kamen Namen, Adressen etc. Daten aller Art hinzu.', ['Es kamen Namen, Adressen etc. Daten aller Art hinzu.']],
    ['Am 1. November 2012 wurde es gestoppt. Dann kam mehr.', ['Am 1. November 2012 wurde es gestoppt.', 'Dann kam mehr.']],
    ['Im 3. Quartal stieg die Zahl. Danach fiel sie.', ['Im 3. Quartal stieg die Zahl.', 'Danach fiel sie.']],
    ['Die Frist endet am 24. 12. 2024 um Mitternacht. Wer zahlt?', ['Die Frist endet am 24. 12. 2024 um Mitternacht.', 'Wer zahlt?']],
    ['Der 2. Senat entschied. Die Klage scheiterte.', ['Der 2. Senat entschied.', 'Die Klage scheiterte.']],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(splitSentences(text, 'de')).toEqual(expected);
  });

  it('still ends a sentence after a number that is not an ordinal', () => {
    expect(splitSentences('Die Zahl stieg auf 3. Danach fiel sie wieder.', 'de')).toEqual(['Die Zahl stieg auf 3.', 'Danach fiel sie wieder.']);
    expect(splitSentences('Das war im Jahr 2023. 5 Millionen Menschen waren betroffen.', 'de')).toEqual([
      'Das war im Jahr 2023.',
      '5 Millionen Menschen waren betroffen.',
    ]);
  });

  it('ends a sentence after "Art." when no number follows', () => {
    expect(splitSentences('Es geschah auf diese Art. Niemand merkte es.', 'de')).toEqual(['Es geschah auf diese Art.', 'Niemand merkte es.']);
  });
});

describe('splitSentences: English abbreviations and initials', () => {
  const cases: [string, string[]][] = [
    ['Mr. Smith met Mrs. Jones. They talked.', ['Mr. Smith met Mrs. Jones.', 'They talked.']],
    ['Some data, e.g. Emails, leaked. Others did not.', ['Some data, e.g. Emails, leaked.', 'Others did not.']],
    ['The firm, i.e. Example Ltd, paid. It was fined.', ['The firm, i.e. Example Ltd, paid.', 'It was fined.']],
    ['The U.S. Senate asked. The firm replied.', ['The U.S. Senate asked.', 'The firm replied.']],
    ['Example Inc. CEO Jane Roe resigned. The board met.', ['Example Inc. CEO Jane Roe resigned.', 'The board met.']],
    ['The suit names Example Inc. The company denies it.', ['The suit names Example Inc.', 'The company denies it.']],
    ['J. R. R. Tolkien wrote books. They sold well.', ['J. R. R. Tolkien wrote books.', 'They sold well.']],
    ['See No. 5 in the list. Done.', ['See No. 5 in the list.', 'Done.']],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(splitSentences(text, 'en')).toEqual(expected);
  });
});

describe('splitSentences: structure and quotes', () => {
  it('ends a sentence at a heading line and at a paragraph break', () => {
    const text = 'Daten im Netz\nDie Firma hat Daten veröffentlicht. Sie schweigt\n\nEin neuer Absatz beginnt hier.';
    expect(splitSentences(text, 'de')).toEqual([
      'Daten im Netz',
      'Die Firma hat Daten veröffentlicht.',
      'Sie schweigt',
      'Ein neuer Absatz beginnt hier.',
    ]);
  });

  it('joins a line that continues in lowercase (a wrapped line)', () => {
    expect(splitSentences('Die Firma hat die Daten\nan Dritte verkauft. Gut.', 'de')).toEqual(['Die Firma hat die Daten an Dritte verkauft.', 'Gut.']);
  });

  it('keeps German and English closing quotes with their sentence', () => {
    expect(splitSentences('Er sagte: „Das ist verboten.“ Dann ging er.', 'de')).toEqual(['Er sagte: „Das ist verboten.“', 'Dann ging er.']);
    expect(splitSentences('She said: "We sold nothing." Then she left.', 'en')).toEqual(['She said: "We sold nothing."', 'Then she left.']);
  });

  it('keeps a quotation of several sentences together when it closes soon', () => {
    expect(splitSentences('Er sagte: „Wir sind fertig. Wirklich fertig.“ Dann ging er.', 'de')).toEqual([
      'Er sagte: „Wir sind fertig. Wirklich fertig.“',
      'Dann ging er.',
    ]);
  });

  it('does not let a quote that never closes swallow the paragraph', () => {
    const sentences = splitSentences(`Er sagte: „Das ist so. ${'Noch ein Satz folgt hier. '.repeat(60)}`, 'de');
    expect(sentences.length).toBeGreaterThan(20);
  });

  it('does not split before a lowercase word after a question mark, but does before a brand name', () => {
    expect(splitSentences('Wer ist schuld? fragt der Autor. Was? eBay antwortete.', 'de')).toEqual([
      'Wer ist schuld? fragt der Autor.',
      'Was?',
      'eBay antwortete.',
    ]);
  });
});

describe('splitSentences: hostile input is bounded and never throws', () => {
  it('handles empty and non-text input', () => {
    expect(splitSentences('', 'de')).toEqual([]);
    expect(splitSentences(undefined as unknown as string, 'de')).toEqual([]);
  });

  it('reads at most MAX_SPLIT_CHARS of one endless sentence', () => {
    const sentences = splitSentences('wort '.repeat(20_000), 'de');
    expect(sentences).toHaveLength(1);
    expect(sentences[0]!.length).toBeLessThanOrEqual(MAX_SPLIT_CHARS);
  });

  it('handles 100 KB without punctuation and 100 KB of abbreviations', () => {
    expect(splitSentences('x'.repeat(100_000), 'de')).toEqual(['x'.repeat(MAX_SPLIT_CHARS)]);
    const abbreviations = splitSentences('z. B. Dr. u. a. 1. '.repeat(6_000), 'de');
    expect(abbreviations.join(' ').length).toBeLessThanOrEqual(MAX_SPLIT_CHARS);
  });

  it('drops pieces made only of punctuation', () => {
    expect(splitSentences('!!! ??? ... ;;; — „“ ""', 'de')).toEqual([]);
    expect(splitSentences('Ein Satz. !!! ???', 'de')).toEqual(['Ein Satz. !!! ???']);
  });

  it('removes control and bidi-override characters, keeps right-to-left text', () => {
    const sentences = splitSentences('Die\u0000 Firma\u202E hat\u0007 Daten. مرحبا بالعالم. هذا نص.', 'de');
    expect(sentences[0]).toBe('Die Firma hat Daten.');
    expect(sentences.join(' ')).toContain('مرحبا');
    expect(sentences.join('')).not.toMatch(/[\u0000-\u0008\u202A-\u202E]/);
  });

  it('survives a lone surrogate cut at the limit', () => {
    const text = `${'a'.repeat(MAX_SPLIT_CHARS - 1)}😀 Ende.`;
    const sentences = splitSentences(text, 'de');
    expect(sentences.every((s) => s.isWellFormed())).toBe(true);
  });
});
