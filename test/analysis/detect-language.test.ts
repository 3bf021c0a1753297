import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/analysis/detect-language.ts';

describe('detectLanguage', () => {
  it('recognises a short German sentence whatever the fallback', () => {
    const text = 'Der Anbieter hat die Daten seiner Kunden ohne Zustimmung an die Polizei weitergegeben.';
    expect(detectLanguage(text, 'en')).toBe('de');
    expect(detectLanguage(text, 'de')).toBe('de');
  });

  it('recognises a short English sentence whatever the fallback', () => {
    const text = 'The company said that it has shared the footage with police without a warrant.';
    expect(detectLanguage(text, 'de')).toBe('en');
    expect(detectLanguage(text, 'en')).toBe('en');
  });

  it('recognises long texts of each language', () => {
    const german = [
      'Eine Untersuchung zeigt, dass viele Apps Standortdaten an Dritte übermitteln.',
      'Die Forscher haben dafür mehr als hundert Anwendungen geprüft und den Datenverkehr mitgeschnitten.',
      'Nur wenige Anbieter erklären in ihren Datenschutzhinweisen, wohin die Daten fließen.',
    ].join(' ');
    const english = [
      'A study shows that many apps pass location data to third parties.',
      'The researchers examined more than a hundred applications and recorded their network traffic.',
      'Only a few vendors explain in their privacy notices where the data goes.',
    ].join(' ');
    expect(detectLanguage(german.repeat(20), 'en')).toBe('de');
    expect(detectLanguage(english.repeat(20), 'de')).toBe('en');
  });

  it('falls back when the text is too short to say', () => {
    expect(detectLanguage('Datenleck bei Amazon', 'en')).toBe('en');
    expect(detectLanguage('Datenleck bei Amazon', 'de')).toBe('de');
    expect(detectLanguage('Amazon Ring', 'de')).toBe('de');
    expect(detectLanguage('', 'en')).toBe('en');
  });

  it('falls back when the text mixes both languages evenly', () => {
    const mixed = 'Die Firma sagt: the data was not shared. Der Bericht ist falsch, they say.';
    expect(detectLanguage(mixed, 'en')).toBe('en');
    expect(detectLanguage(mixed, 'de')).toBe('de');
  });

  it('does not let a German name in an English text decide', () => {
    const text = 'Telefónica Deutschland and Müller Group said the new tariff starts in March for all customers.';
    expect(detectLanguage(text, 'de')).toBe('en');
  });

  it('handles hostile input without throwing', () => {
    expect(detectLanguage('\u0000\uFFFF'.repeat(100_000), 'de')).toBe('de');
    expect(detectLanguage('die '.repeat(1_000_000), 'en')).toBe('de');
  });
});
