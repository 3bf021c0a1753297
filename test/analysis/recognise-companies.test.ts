import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recogniseCompanies } from '../../src/analysis/recognise-companies.ts';
import { cleanArticleText } from '../../src/ingest/clean-article-text.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const samples = path.resolve(repoRoot, '../shared/samples');

const ids = (title: string, text: string): string[] => recogniseCompanies(title, text).map((m) => m.id);

describe('recogniseCompanies: inflected and compound forms count', () => {
  it.each([
    ['Amazons Umsatz mit Werbung wächst weiter.', 'amazon'],
    ['Die Amazon-Tochter sammelt Aufnahmen.', 'amazon'],
    ['Mehrere Amazon-Mitarbeiter sollen Daten verkauft haben.', 'amazon'],
    ['Viele O2-Kunden erhielten eine Mail.', 'o2'],
    ['Das Zoom-Meeting wurde mitgeschnitten.', 'zoom'],
    ['Googles Werbenetz erfasst Standorte.', 'google'],
    ['Metas Werbegeschäft lebt von Profilen.', 'meta'],
    ['Telekom-Kunden bekommen neue Bedingungen.', 'deutsche-telekom'],
    ['WhatsApp-Nachrichten bleiben verschlüsselt.', 'whatsapp'],
    ["Google's new policy lets advertisers see more.", 'google'],
    ['Telefonica und Telefònica sind dieselbe Firma.', 'telefonica'],
    ['TELEKOM ERHÖHT PREISE', 'deutsche-telekom'],
    ['Die Ring-Kameras zeichnen Gespräche auf.', 'ring'],
    ['Der Meta-Konzern muss zahlen.', 'meta'],
  ])('%s → %s', (sentence, id) => {
    expect(ids('', sentence)).toContain(id);
  });
});

describe('recogniseCompanies: lookalikes do not count', () => {
  it.each([
    ['Der Amazonas führt Hochwasser, sagt das Unternehmen.', 'amazon'],
    ['Der CO2-Ausstoß und der CO2-Preis der Rechenzentren steigen.', 'o2'],
    ['Metadaten verraten viel über Nutzer.', 'meta'],
    ['Eine Meta-Analyse des Unternehmens zeigt wenig.', 'meta'],
    ['Er stand im Boxring, das Unternehmen sponserte ihn.', 'ring'],
    ['Der Stau auf dem Berliner Ring wurde länger.', 'ring'],
    ['Der Kamera-Zoom des Herstellers ist gut.', 'zoom'],
    ['Man kann zoomen und scrollen.', 'zoom'],
    ['Die X-Achse zeigt den Faktor X, und das ist x-beliebig.', 'x'],
    ['Rezept: Apple Pie und apple crumble mit Zimt.', 'apple'],
    ['Das Urteil ist ein klares Signal an die Unternehmen.', 'signal'],
    ['Das Signal war schwach.', 'signal'],
    ['Alexa ging nach der Schule nach Hause.', 'alexa'],
    ['Otto Schily kritisierte den Konzern scharf.', 'otto'],
    ['Edge-Computing verlagert Rechenlast.', 'microsoft-edge'],
    ['Die Teams der Bundesliga spielten am Samstag.', 'microsoft-teams'],
    ['Das Nest des Vogels hing am Dach.', 'nest'],
    ['Target der Kampagne waren Rentner.', 'target'],
    ['Die Stärke des Signals nimmt ab.', 'signal'],
  ])('%s ↛ %s', (sentence, id) => {
    expect(ids('', sentence)).not.toContain(id);
  });
});

describe('recogniseCompanies: German umlauts are letters, not accents', () => {
  it.each([
    ['Über die Hälfte der Befragten nutzt den Fahrdienst nie.'],
    ['Kunden berichten über lange Wartezeiten beim Anbieter.'],
    ['ÜBER 40 FIRMEN BETROFFEN'],
    ['Übers Wochenende fiel der Dienst aus, sagte das Unternehmen.'],
  ])('"%s" does not name Uber', (sentence) => {
    expect(ids('', sentence)).not.toContain('uber');
  });

  it('still finds Uber written as Uber, and other accents still fold', () => {
    expect(ids('', 'Der Fahrdienst Uber speicherte Fahrten über Jahre.')).toEqual(['uber']);
    expect(ids('', 'Telefònica und Telefónica meinen denselben Konzern.')).toContain('telefonica');
  });

  it('matches a name with an umlaut as written, transliterated, or without the dots', () => {
    for (const spelling of ['Ströer', 'Stroeer', 'Stroer']) {
      expect(ids('', `Der Werbevermarkter ${spelling} wertet Bewegungen aus.`)).toContain('stroeer');
    }
    expect(ids('', 'Bei Aldi Süd und bei Aldi Sued gelten neue Regeln.')).toContain('aldi');
    expect(ids('', 'Die Auskunftei CRIF Bürgel bewertet Kunden.')).toContain('crif');
  });
});

describe('recogniseCompanies: ambiguous names with context', () => {
  it('counts them next to a company cue in the same sentence', () => {
    expect(ids('', 'Der Messenger Signal verschlüsselt alle Chats.')).toContain('signal');
    expect(ids('', 'Der Versandhändler Otto gibt Daten an Partner weiter.')).toContain('otto');
    expect(ids('', 'The company Zoom admitted that calls were not end-to-end encrypted.')).toContain('zoom');
  });

  it("counts them with the company's own context words nearby", () => {
    expect(ids('', 'Der Sprachassistent Alexa hört mehr mit als gedacht.')).toContain('alexa');
    expect(ids('', 'Zoom speicherte Mitschnitte. Die Videokonferenzen liefen über US-Server.')).toContain('zoom');
  });

  it('counts them when a parent or subsidiary is named unambiguously elsewhere', () => {
    const found = ids('Neue Türklingel-Regeln', 'Ring gibt Videos weiter.\n\nDas teilte die Amazon-Tochter mit.');
    expect(found).toEqual(expect.arrayContaining(['ring', 'amazon']));
  });

  it('counts all mentions of an ambiguous company once one is confirmed', () => {
    const [meta] = recogniseCompanies('', 'Der Konzern Meta muss zahlen. Meta will klagen. Meta prüft das Urteil.');
    expect(meta?.id).toBe('meta');
    const [single] = recogniseCompanies('', 'Der Konzern Meta muss zahlen.');
    expect(meta?.score ?? 0).toBeGreaterThan(single?.score ?? 0);
  });

  it('counts X only in its platform phrases', () => {
    for (const sentence of [
      'Die Plattform X sperrte das Konto.',
      'X (ehemals Twitter) ändert die Bedingungen.',
      'X, formerly Twitter, now trains its AI on posts.',
      'Der Kurznachrichtendienst X zahlt eine Strafe.',
      'X Corp will be fined.',
      'Beiträge auf X.com sind öffentlich.',
    ]) {
      expect(ids('', sentence), sentence).toContain('x');
    }
    expect(ids('', 'X sperrte das Konto des Unternehmens.')).not.toContain('x');
  });

  it('maps Twitter and Facebook to their current companies', () => {
    expect(recogniseCompanies('', 'Twitter verkaufte Daten.')[0]).toMatchObject({ id: 'x', name: 'X' });
    expect(recogniseCompanies('', 'Facebook wusste davon.')[0]).toMatchObject({ id: 'meta', name: 'Meta', ancestors: [] });
  });
});

describe('recogniseCompanies: parents, order and shape', () => {
  it('gives each mention its parent chain, and lists a parent only when it is named', () => {
    const [youtube, ...rest] = recogniseCompanies('YouTube speichert Suchverläufe', 'Die Plattform YouTube speichert Verläufe.');
    expect(youtube).toMatchObject({ id: 'youtube', parent: 'google', ancestors: ['google', 'alphabet'] });
    expect(rest).toEqual([]);
    const o2 = recogniseCompanies('', 'Die Daten von O2-Kunden wurden verkauft.')[0];
    expect(o2).toMatchObject({ id: 'o2', ancestors: ['telefonica-deutschland', 'telefonica'] });
  });

  it('puts a title mention before more frequent body mentions', () => {
    const found = ids(
      'Datenleck bei Vodafone',
      'Die Telekom und die Telekom-Tochter melden nichts. Telekom-Kunden sind sicher. Bei Vodafone fehlen Daten.',
    );
    expect(found.slice(0, 2)).toEqual(['vodafone', 'deutsche-telekom']);
  });

  it('ranks frequent and early mentions first in the body', () => {
    const found = ids(
      '',
      'Zalando speichert Kundendaten zu lange. Laut Zalando ist das nötig. Auch Zalando-Partner erhalten Daten.\n\n' +
        'Ähnliche Vorwürfe gab es früher gegen Otto Group.',
    );
    expect(found).toEqual(['zalando', 'otto']);
  });

  it('reads English sentences', () => {
    const found = ids(
      'Meta fined over data transfers',
      "Meta Platforms must pay a fine after Instagram's data flows to the US were ruled unlawful. Microsoft's LinkedIn was not affected.",
    );
    expect(found.slice(0, 2)).toEqual(['meta', 'instagram']);
    expect(found).toEqual(expect.arrayContaining(['microsoft', 'linkedin']));
    const linkedIn = recogniseCompanies('', "Microsoft's LinkedIn trains AI on posts.").find((m) => m.id === 'linkedin');
    expect(linkedIn?.ancestors).toEqual(['microsoft']);
  });

  it('returns nothing for text without companies, empty input or hostile input', () => {
    expect(recogniseCompanies('', '')).toEqual([]);
    expect(ids('Wetter', 'Morgen regnet es in ganz Deutschland.')).toEqual([]);
    expect(() => recogniseCompanies('-'.repeat(10_000), `${'Amazon-'.repeat(50_000)}\u0000\uFFFF`)).not.toThrow();
    expect(ids('', `${'x '.repeat(30_000)} Google`)).not.toContain('google'); // beyond the 20,000-character cap
  });
});

// The real scraped articles live beside the repository; they are not part of it.
describe.skipIf(!existsSync(samples))('recogniseCompanies: the real samples in ../shared/samples', () => {
  const read = (name: string) => {
    const [title = '', ...rest] = readFileSync(path.join(samples, name), 'utf8').split('\n');
    return recogniseCompanies(title, cleanArticleText(rest.join('\n'), { title, language: 'de' }));
  };

  it('ring-police-videos: Ring and its parent Amazon, both named', () => {
    const found = read('ring-police-videos.de.txt');
    expect(found.slice(0, 2).map((m) => m.id).sort()).toEqual(['amazon', 'ring']);
    expect(found.find((m) => m.id === 'ring')?.ancestors).toEqual(['amazon']);
  });

  it('amazon-employees-sell-data: Amazon first; Facebook (Meta), named in passing, after it', () => {
    const found = read('amazon-employees-sell-data.de.txt');
    expect(found[0]?.id).toBe('amazon');
    const meta = found.find((m) => m.id === 'meta');
    expect(meta === undefined || meta.score < (found[0]?.score ?? 0) / 2).toBe(true);
  });

  it('o2-smart-steps: O2 first, Telefónica next', () => {
    const found = read('o2-smart-steps.de.txt');
    expect(found[0]).toMatchObject({ id: 'o2', ancestors: ['telefonica-deutschland', 'telefonica'] });
    expect(found[1]?.id).toBe('telefonica');
  });

  it('recognises fitness chains as a sector', () => {
    expect(ids('Fitnesskette McFit speichert Fingerabdrücke am Eingang', '')).toContain('mcfit');
    expect(ids('', 'Members of PureGym and Planet Fitness complained about the check-in scanners.')).toEqual(
      expect.arrayContaining(['puregym', 'planet-fitness']),
    );
    expect(ids('', 'Das Studio Clever Fit in Köln nutzt eine App für den Zutritt.')).toContain('clever-fit');
    expect(ids('Wie man im Alltag fit bleibt', 'Ein cleverer Plan hilft, regelmäßig ins Studio zu gehen.')).toEqual([]);
  });
});
