/**
 * Portal datetimes carry the portal's offset ("2026-11-22T12:00:10+03:00"). We keep them as
 * the CRM wrote them and shift them without losing that offset, so a filter we send back
 * compares in the portal's own time (https://apidocs.bitrix24.com/api-reference/data-types.html).
 */
export function shiftPortalTime(value: string, deltaMs: number): string {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!match) return value;
  const offset = match[3] ?? 'Z';
  const offsetMinutes = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(-2)));
  const utc = Date.parse(`${match[1]}T${match[2]}Z`) - offsetMinutes * 60_000 + deltaMs;
  const local = new Date(utc + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${local}${offset === 'Z' ? '+00:00' : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset}`;
}

/** Orders two portal datetimes (any offsets). */
export function portalTimeMs(value: string): number {
  const parsed = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(parsed) ? 0 : parsed;
}
