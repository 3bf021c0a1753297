const SPAN = /^(\d{1,4})\s*([dwmy])$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
const SPAN_DAYS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };

/**
 * A `since` filter as people type it: a date (`2026-11-01`, midnight UTC) or a span back from now (`7d`, `4w`,
 * `6m`, `1y`). Undefined when it is neither, or a date that does not exist (`2026-02-30`) or lies in the future.
 */
export function parseSince(text: string, now: Date): string | undefined {
  const trimmed = text.trim();
  const span = SPAN.exec(trimmed);
  if (span) {
    const days = Number(span[1]) * SPAN_DAYS[span[2]!.toLowerCase()]!;
    return new Date(now.getTime() - days * DAY_MS).toISOString();
  }
  const date = DATE.exec(trimmed);
  if (!date) return undefined;
  const time = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
  const back = new Date(time);
  if (back.getUTCMonth() !== Number(date[2]) - 1 || back.getUTCDate() !== Number(date[3]) || time > now.getTime()) return undefined;
  return back.toISOString();
}
