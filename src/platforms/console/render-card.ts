import { incidentTypeLabel } from '../../delivery/incident-type-label.ts';
import type { Card } from '../../model/card.ts';

/**
 * A card as terminal text. Feed text is untrusted: control characters (ANSI escape sequences that could
 * rewrite the operator's terminal) and bidirectional overrides are removed before anything is printed.
 */
export function renderCardText(card: Card): string {
  const date = card.published.slice(0, 10);
  const companies = card.companies.map((c) => (c.parentName ? `${c.name} (${c.parentName})` : c.name)).join(', ');
  const types = card.types.map((t) => incidentTypeLabel(t, card.language)).join(', ');
  const sources = card.sourceCount === 1 ? '1 source' : `${card.sourceCount} sources`;
  const lines = [`■ ${safe(card.title)}`];
  if (companies !== '' || types !== '') lines.push(`  ${[safe(companies), types].filter((p) => p !== '').join(' · ')}`);
  lines.push(`  ${safe(card.outlet)} · ${date} · ${card.language} · ${sources}`);
  if (card.summary !== '') lines.push(...wrap(safe(card.summary), 96).map((l) => `  ${l}`));
  if (card.url !== '') lines.push(`  ${safe(card.url)}`);
  return `${lines.join('\n')}\n`;
}

// C0/C1 controls (ESC included), DEL, and Unicode bidi embeddings/overrides/isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Untrusted text made safe for a terminal: no escape sequences, no bidi tricks. */
export function safe(text: string): string {
  return text.replace(UNSAFE, ' ');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
