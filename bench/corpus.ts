/** A generated feed corpus for the benchmarks: German privacy-news-like items, written by us, deterministic. */

const SUBJECTS = ['Versicherer', 'Mobilfunkanbieter', 'Onlinehändler', 'Klinikverbund', 'Smart-TV-Hersteller', 'Lieferdienst', 'Bank', 'Fitness-App'];
const EVENTS = [
  'legt Kundendaten offen',
  'verkauft Standortdaten an Werbefirmen',
  'gibt Videos ohne Beschluss an die Polizei',
  'muss ein Bußgeld zahlen',
  'ändert die Datenschutzerklärung',
  'trackt Nutzer über Geräte hinweg',
];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `documents` RSS 2.0 documents of `itemsPerDocument` items each, golem-style: entity-escaped HTML teasers with a topic list and a pixel. */
export function generateCorpus(documents: number, itemsPerDocument: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (let d = 0; d < documents; d++) {
    const items: string[] = [];
    for (let i = 0; i < itemsPerDocument; i++, n++) {
      const subject = SUBJECTS[n % SUBJECTS.length]!;
      const event = EVENTS[n % EVENTS.length]!;
      const title = `${subject} ${event} (Fall ${n})`;
      const teaser =
        `<p>Ein ${subject} ${event}. Betroffen sind nach Angaben der Aufsichtsbehörde rund ${1000 + n} Menschen; ` +
        `die Behörde prüft weitere Schritte und verlangt Auskunft über die Verarbeitung.</p> ` +
        `(<a href="https://news.example/specials/datenschutz/">Datenschutz</a>, <a href="https://news.example/specials/security/">Security</a>) ` +
        `<img src="https://px.news.example/p.php?aid=${n}" width="1" height="1" alt="" />`;
      items.push(
        `<item><title>${escapeXml(title)}</title>` +
          `<link>https://news.example/news/fall-${n}-rss.html?utm_source=rss&amp;utm_medium=feed</link>` +
          `<guid>https://news.example/${n}-rss.html</guid>` +
          `<pubDate>${new Date(Date.UTC(2026, 10, 1) + n * 60_000).toUTCString()}</pubDate>` +
          `<description>${escapeXml(teaser)}</description>` +
          `<category>Datenschutz</category></item>`,
      );
    }
    out.push(
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Bench ${d}</title>` +
        `<link>https://news.example/</link><description>Benchmark</description>${items.join('\n')}</channel></rss>`,
    );
  }
  return out;
}
