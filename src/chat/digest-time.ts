/** IANA zone names this Node knows, for validation and autocompletion. */
const ZONES: readonly string[] = [...Intl.supportedValuesOf('timeZone'), 'UTC'];
const ZONE_BY_FOLDED = new Map(ZONES.map((zone) => [zone.toLowerCase(), zone]));

/** "8:00", "08:00", "8.30", "18" → "08:00", "08:30", "18:00"; undefined for anything that is not a time of day. */
export function parseTimeOfDay(text: string): string | undefined {
  const match = /^(\d{1,2})(?:[:.h](\d{2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = match[2] === undefined ? 0 : Number(match[2]);
  if (hours > 23 || minutes > 59) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** Zone names as IANA writes them: `Area/Location[/More]`, or UTC-like single words. Offsets (`+01:00`) are not zones. */
const ZONE_NAME = /^[A-Za-z][A-Za-z_]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * The canonical spelling of an IANA time zone, case-insensitively ("europe/berlin" → "Europe/Berlin"). Names the
 * runtime's own list leaves out because ICU still files them under an older name ("Europe/Kyiv", "Asia/Kolkata",
 * "Etc/UTC") are accepted too: as typed when typed with capitals, else as ICU names them.
 */
export function canonicalTimezone(text: string): string | undefined {
  const trimmed = text.trim();
  const listed = ZONE_BY_FOLDED.get(trimmed.toLowerCase());
  if (listed !== undefined || !ZONE_NAME.test(trimmed)) return listed;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: trimmed }).resolvedOptions().timeZone;
    return /[A-Z]/.test(trimmed) ? trimmed : resolved;
  } catch {
    return undefined;
  }
}

/** Zones containing what was typed, those starting with it first (for autocompletion). */
export function completeTimezones(typed: string, limit = 25): string[] {
  const folded = typed.trim().toLowerCase().replace(/\s+/g, '_');
  if (folded === '') return ['Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich', 'Europe/London', 'America/New_York', 'UTC'].slice(0, limit);
  const starts = ZONES.filter((z) => z.toLowerCase().startsWith(folded));
  const contains = ZONES.filter((z) => !z.toLowerCase().startsWith(folded) && z.toLowerCase().includes(folded));
  return [...starts, ...contains].slice(0, limit);
}
