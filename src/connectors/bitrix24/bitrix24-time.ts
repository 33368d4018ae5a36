/**
 * Portal datetimes. "At the API level, all dates and times are stored according to the server
 * parameters" (https://apidocs.bitrix24.com/api-reference/data-types.html, "Date and Time
 * Features"): a value is written with the portal's offset ("2026-11-22T12:00:10+03:00"), and a
 * value without one ("2026-11-22 12:00:10", as filters and older clients send it) means the
 * portal's own wall time, never UTC. The portal's offset is learned from the portal itself: the
 * `time.date_start` of every answer carries it (same page, "time"). It is the offset of now; a
 * portal zone with daylight saving has another offset half the year, so an offset-less value is
 * shifted as wall time (no offset needed) and only ordering uses the learned offset.
 */
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Z, "+0300" and "+03:00" all as "+03:00". */
function normalizeOffset(offset: string): string {
  if (offset === 'Z') return '+00:00';
  return offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
}

function offsetMinutes(offset: string): number {
  const normalized = normalizeOffset(offset);
  return (normalized.startsWith('-') ? -1 : 1) * (Number(normalized.slice(1, 3)) * 60 + Number(normalized.slice(4, 6)));
}

/** The portal's UTC offset ("+03:00") read from an answer's `time.date_start`, or null. */
export function portalOffsetOf(time: unknown): string | null {
  const dateStart = (time as { date_start?: unknown } | null | undefined)?.date_start;
  if (typeof dateStart !== 'string') return null;
  const offset = DATETIME.exec(dateStart.trim())?.[3];
  return offset ? normalizeOffset(offset) : null;
}

/**
 * Moves a portal datetime by `deltaMs`, keeping how it was written: with its offset (normalised
 * to "+HH:MM"), or without one as portal wall time, which the portal reads in its own zone.
 */
export function shiftPortalTime(value: string, deltaMs: number): string {
  const match = DATETIME.exec(value.trim());
  if (!match) return value;
  const wall = Date.parse(`${match[1]}T${match[2]}Z`) + deltaMs;
  const local = new Date(wall).toISOString().slice(0, 19);
  return match[3] === undefined ? local : `${local}${normalizeOffset(match[3])}`;
}

/**
 * The instant of a portal datetime, for ordering. A value without an offset is read in the
 * portal's zone (`portalOffset`, learned with portalOffsetOf; UTC only when nothing is known).
 */
export function portalTimeMs(value: string, portalOffset: string | null = null): number {
  const match = DATETIME.exec(value.trim());
  if (match && match[3] === undefined) {
    return Date.parse(`${match[1]}T${match[2]}Z`) - offsetMinutes(portalOffset ?? '+00:00') * 60_000;
  }
  const parsed = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(parsed) ? 0 : parsed;
}
