import { incidentTypeLabel } from '../../delivery/incident-type-label.ts';
import type { Card } from '../../model/card.ts';
import { terminalSafe } from '../../terminal-safe.ts';

/**
 * A card as terminal text. Feed text is untrusted: control characters (ANSI escape sequences that could
 * rewrite the operator's terminal) and bidirectional overrides are removed before anything is printed.
 */
export function renderCardText(card: Card): string {
  const date = card.published.slice(0, 10);
  const companies = card.companies.map((c) => (c.parentName ? `${c.name} (${c.parentName})` : c.name)).join(', ');
  const types = card.types.map((t) => incidentTypeLabel(t, card.language)).join(', ');
  const sources = card.sourceCount === 1 ? '1 source' : `${card.sourceCount} sources`;
  const lines = [`■ ${terminalSafe(card.title)}`];
  if (companies !== '' || types !== '') lines.push(`  ${[terminalSafe(companies), types].filter((p) => p !== '').join(' · ')}`);
  lines.push(`  ${terminalSafe(card.outlet)} · ${date} · ${card.language} · ${sources}`);
  if (card.summary !== '') lines.push(...wrap(terminalSafe(card.summary), 96).map((l) => `  ${l}`));
  if (card.url !== '') lines.push(`  ${terminalSafe(card.url)}`);
  return `${lines.join('\n')}\n`;
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
