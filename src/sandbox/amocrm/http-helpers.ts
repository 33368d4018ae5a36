import type { Response } from 'express';
import type { EntityType } from './amo-records';

/** Successful API v4 answers are application/hal+json (reference §3.1). */
export function sendHal(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/hal+json').send(JSON.stringify(body));
}

/** An empty list is HTTP 204 with no body at all, not `200 []` (issue #510). */
export function sendNoContent(res: Response): void {
  res.status(204).end();
}

export function entityTypeOf(value: unknown): EntityType | null {
  return value === 'leads' || value === 'contacts' || value === 'companies' ? value : null;
}

/** Path ids are digits only; anything else falls through to the next route (or 404). */
export function numericId(value: unknown): number | null {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : null;
}
