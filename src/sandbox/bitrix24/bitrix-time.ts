/**
 * Date and time the way the Bitrix24 REST API writes and reads them. The sandbox portal runs in
 * Moscow time (UTC+3, no DST since 2014), so datetimes come out as `2025-03-04T13:15:00+03:00`
 * (docs:api-reference/data-types, "datetime"), and filter values are accepted as ISO 8601 with
 * or without an offset, or as `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DD` in portal time.
 */
export const PORTAL_OFFSET_MS = 3 * 3_600_000;
const PORTAL_OFFSET = '+03:00';

export function formatDateTime(ms: number): string {
  return `${new Date(ms + PORTAL_OFFSET_MS).toISOString().slice(0, 19)}${PORTAL_OFFSET}`;
}

/** Date fields (BEGINDATE, CLOSEDATE) come back as portal midnight in datetime form. */
export function formatDate(ms: number): string {
  return `${new Date(ms + PORTAL_OFFSET_MS).toISOString().slice(0, 10)}T00:00:00${PORTAL_OFFSET}`;
}

/** Portal midnight of a YYYY-MM-DD day, as epoch ms. */
export function portalDay(date: string): number {
  return Date.parse(`${date}T00:00:00${PORTAL_OFFSET}`);
}

/** Parses a filter or field value; null when it is no date at all. */
export function parseBitrixDate(value: unknown): number | null {
  if (typeof value === 'number') return value > 1e11 ? value : value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.trim();
  const local = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(text);
  if (local) return Date.parse(`${local[1]}T${local[2] ?? '00:00:00'}${PORTAL_OFFSET}`);
  // Bitrix's own site format, as older clients send it: dd.mm.yyyy[ hh:mm:ss].
  const russian = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}:\d{2}(?::\d{2})?))?$/.exec(text);
  if (russian) return Date.parse(`${russian[3]}-${russian[2]}-${russian[1]}T${russian[4] ?? '00:00:00'}${PORTAL_OFFSET}`);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export interface TimeBlock {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at?: number;
  operating?: number;
}

/** The `time` object of every answer (docs:api-reference/data-types, "time"). */
export function timeBlock(startMs: number, finishMs: number, operating?: { operating: number; resetAt: number }): TimeBlock {
  const block: TimeBlock = {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration: (finishMs - startMs) / 1000,
    processing: (finishMs - startMs) / 1000,
    date_start: formatDateTime(startMs),
    date_finish: formatDateTime(finishMs),
  };
  if (operating) {
    block.operating_reset_at = Math.ceil(operating.resetAt / 1000);
    block.operating = Math.round(operating.operating * 1e6) / 1e6;
  }
  return block;
}
