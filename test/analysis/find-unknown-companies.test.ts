import { describe, expect, it } from 'vitest';
import { findUnknownCompanies } from '../../src/analysis/find-unknown-companies.ts';
import { recogniseCompanies } from '../../src/analysis/recognise-companies.ts';

const unknown = (text: string, title = '') => findUnknownCompanies(title, text, recogniseCompanies(title, text));
const names = (text: string, title = '') => unknown(text, title).map((u) => u.name);

describe('findUnknownCompanies', () => {
  it('finds names before a legal form, with the form as evidence', () => {
    expect(unknown('Laut einem Bericht der Beispiel Data GmbH wurden Kundendaten verkauft.')).toEqual([
      { name: 'Beispiel Data GmbH', evidence: 'legal form GmbH' },
    ]);
    expect(names('Die Muster Holding GmbH & Co. KG, die Exempla S.A. und Acme Widgets Inc. sind betroffen.')).toEqual([
      'Muster Holding GmbH & Co. KG',
      'Exempla S.A.',
      'Acme Widgets Inc.',
    ]);
  });

  it('finds names after cue phrases and in role compounds', () => {
    expect(unknown('Der Konzern Wirecard hat Kundendaten verloren.')).toEqual([{ name: 'Wirecard', evidence: 'der Konzern' }]);
    expect(unknown('Nach Angaben von Beispielsoft-Chefin Meier war das Leck klein.')).toEqual([
      { name: 'Beispielsoft', evidence: '-Chefin' },
    ]);
    expect(names("Zephyr Labs's CEO apologised. The company Quillon said nothing.")).toEqual(['Zephyr Labs', 'Quillon']);
  });

  it('leaves out gazetteer companies, newsrooms, authorities, parties, associations and ordinary nouns', () => {
    expect(names('Der Konzern Amazon und die Telefónica Germany GmbH & Co. OHG äußerten sich.')).toEqual([]);
    expect(names('Wie das Handelsblatt und Reuters berichten, ermittelt das BSI. SPD-Chef und Polizei-Sprecher schweigen.')).toEqual([]);
    expect(names('Der Verein Datenfreunde e.V. klagt.')).toEqual([]);
    expect(names('Es ist unklar, ob das Unternehmen Kundendaten weitergibt oder das Unternehmen Daten löscht.')).toEqual([]);
    expect(names('Meta Platforms Ireland Ltd. muss zahlen.')).toEqual([]);
  });

  it('deduplicates and stops at ten', () => {
    expect(names('Die Beispiel GmbH schweigt. Später äußerte sich die Beispiel GmbH doch.')).toEqual(['Beispiel GmbH']);
    const many = Array.from({ length: 30 }, (_, i) => `Die Firma${String.fromCharCode(65 + (i % 26))}${i} GmbH schweigt.`).join(' ');
    expect(names(many)).toHaveLength(10);
  });

  it('stays quiet and safe on empty or hostile input', () => {
    expect(unknown('')).toEqual([]);
    expect(() => unknown(`${'GmbH '.repeat(20_000)}${'der Konzern '.repeat(5_000)}`)).not.toThrow();
  });
});
