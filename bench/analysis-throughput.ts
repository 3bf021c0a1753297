/**
 * Articles per second through the whole offline analysis (language, companies, relevance, types, summary)
 * for generated ~3 KB German and English articles, on one core. Prints one JSON line.
 */
import { createAnalyser } from '../src/analysis/analyse-article.ts';

const COUNT = 2_000;
const ROUNDS = 5;

const DE = [
  'Der Konzern {c} hat nach Recherchen mehrerer Medien Kundendaten an Werbepartner weitergegeben.',
  'Betroffen sind demnach rund {n} Kundinnen und Kunden in Deutschland und Österreich.',
  'Die zuständige Datenschutzbehörde prüft den Fall und hat ein Auskunftsersuchen gestellt.',
  'Ein Sprecher des Unternehmens erklärte, man halte sich an alle gesetzlichen Vorgaben.',
  'Verbraucherschützer kritisieren, dass die Einwilligung der Betroffenen nie eingeholt worden sei.',
  'Nach Angaben der Behörde könnte ein Bußgeld in Millionenhöhe drohen.',
  'Der Fall reiht sich ein in eine Serie von Datenschutzverstößen großer Plattformen.',
  'Die neue Produktreihe soll im Frühjahr in den Handel kommen und mehr Akkulaufzeit bieten.',
];
const EN = [
  '{c} exposed the personal records of about {n} customers through a misconfigured server.',
  'Security researchers found the database open to the internet without a password.',
  'The company said it had fixed the problem and notified the data protection authority.',
  'Regulators are examining whether the breach was reported within the required 72 hours.',
  'Privacy advocates said the incident showed how little oversight data brokers face.',
  'Analysts expect the quarterly results to beat forecasts on strong cloud revenue.',
];
const COMPANIES = ['Amazon', 'Google', 'Meta', 'Telefónica', 'Deutsche Telekom', 'Zalando', 'Microsoft', 'Apple'];

function article(i: number): { title: string; text: string; language: 'de' | 'en' } {
  const german = i % 3 !== 0;
  const sentences = german ? DE : EN;
  const company = COMPANIES[i % COMPANIES.length]!;
  const parts: string[] = [];
  for (let s = 0; parts.join(' ').length < 3_000; s++) {
    parts.push(sentences[(i + s) % sentences.length]!.replace('{c}', company).replace('{n}', String(1_000 + i * 7 + s)));
  }
  const title = german ? `${company}: Daten von Kunden weitergegeben (${i})` : `${company} data breach exposes customers (${i})`;
  return { title, text: parts.join(' '), language: german ? 'de' : 'en' };
}

const articles = Array.from({ length: COUNT }, (_, i) => article(i));
const analyser = createAnalyser();
for (const a of articles.slice(0, 200)) analyser.analyse({ ...a, scope: 'general' }); // warm-up
const rates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  for (const a of articles) analyser.analyse({ ...a, scope: 'general' });
  rates.push(COUNT / ((performance.now() - started) / 1000));
}
rates.sort((a, b) => a - b);
const averageBytes = Math.round(articles.reduce((n, a) => n + Buffer.byteLength(a.text), 0) / COUNT);
console.log(JSON.stringify({ articles: COUNT, averageBytes, articlesPerSecond: Math.round(rates[Math.floor(ROUNDS / 2)]!) }));
