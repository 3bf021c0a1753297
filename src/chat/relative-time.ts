import type { Language } from '../model/feed.ts';
import { t } from './translate.ts';

/** "5 min ago", "vor 3 Std.": how long ago an ISO time was, coarsely; "never" when there is none. */
export function relativeTime(iso: string | undefined, now: Date, language: Language): string {
  const time = iso === undefined ? Number.NaN : Date.parse(iso);
  if (!Number.isFinite(time)) return t(language, 'time.never');
  const minutes = Math.floor((now.getTime() - time) / 60_000);
  if (minutes < 1) return t(language, 'time.justNow');
  if (minutes < 60) return t(language, 'time.minutes', { count: minutes });
  if (minutes < 48 * 60) return t(language, 'time.hours', { count: Math.floor(minutes / 60) });
  return t(language, 'time.days', { count: Math.floor(minutes / (24 * 60)) });
}

/** A date as people of that language write it: 23.11.2026 or 2026-11-23. */
export function shortDate(iso: string, language: Language, timeZone = 'UTC'): string {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso.slice(0, 10);
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(time);
}
