import qs from 'qs';
import type { Result } from '../../core/errors';
import { KamError, fail, ok } from '../../core/errors';

/**
 * Paging, filters and order of API v4 lists (reference §3.1): `page` from 1, `limit` up to
 * 250, `_links.self/next/prev` with full hrefs, `filter[...]` and `order[field]=asc|desc`.
 * Express is set to parse queries with qs, so `filter[id][]=1` arrives as nested objects.
 */
export type Query = Record<string, unknown>;

export const MAX_LIMIT = 250;

export interface Paging {
  page: number;
  limit: number;
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export function parsePaging(query: Query, defaultLimit = 50): Result<Paging> {
  const rawLimit = query['limit'];
  const rawPage = query['page'];
  const limit = rawLimit === undefined || rawLimit === '' ? defaultLimit : Number(rawLimit);
  const page = rawPage === undefined || rawPage === '' ? 1 : Number(rawPage);
  if (!Number.isInteger(limit) || limit < 1) return fail(new KamError('INPUT_INVALID', 'limit must be a positive integer'));
  if (limit > MAX_LIMIT) return fail(new KamError('INPUT_INVALID', `limit must be less than or equal to ${MAX_LIMIT}`));
  if (!Number.isInteger(page) || page < 1) return fail(new KamError('INPUT_INVALID', 'page must be a positive integer'));
  return ok({ page, limit });
}

export function pageOf<T>(items: readonly T[], paging: Paging): { items: T[]; hasNext: boolean } {
  const start = (paging.page - 1) * paging.limit;
  return { items: items.slice(start, start + paging.limit), hasNext: start + paging.limit < items.length };
}

/** `_links` with absolute hrefs that keep every other query parameter (filters, with, order). */
export function pageLinks(baseUrl: string, path: string, query: Query, paging: Paging, hasNext: boolean): Record<string, { href: string }> {
  const href = (page: number): string => {
    const rest = { ...query, page, limit: paging.limit };
    return `${baseUrl}${path}?${qs.stringify(rest, { encodeValuesOnly: true, arrayFormat: 'brackets' })}`;
  };
  const links: Record<string, { href: string }> = { self: { href: href(paging.page) } };
  if (hasNext) links['next'] = { href: href(paging.page + 1) };
  if (paging.page > 1) links['prev'] = { href: href(paging.page - 1) };
  return links;
}

/** `filter[x]` may be a scalar, `filter[x][]` a list, or `filter[x][0]` an indexed object. */
export function numberList(value: unknown): number[] | null {
  if (value === undefined || value === null || value === '') return null;
  const raw = Array.isArray(value) ? value : asRecord(value) ? Object.values(value as Record<string, unknown>) : [value];
  return raw.map(Number).filter((item) => Number.isFinite(item));
}

export function range(value: unknown): { from: number | null; to: number | null } | null {
  const record = asRecord(value);
  if (!record) {
    const single = Number(value);
    return value !== undefined && value !== '' && Number.isFinite(single) ? { from: single, to: single } : null;
  }
  const from = record['from'] === undefined ? null : Number(record['from']);
  const to = record['to'] === undefined ? null : Number(record['to']);
  return { from: from !== null && Number.isFinite(from) ? from : null, to: to !== null && Number.isFinite(to) ? to : null };
}

export const inRange = (value: number | null, bounds: { from: number | null; to: number | null }): boolean =>
  value !== null && (bounds.from === null || value >= bounds.from) && (bounds.to === null || value <= bounds.to);

export function filterOf(query: Query): Record<string, unknown> {
  return asRecord(query['filter']) ?? {};
}

/** `order[updated_at]=desc` style; the first known field wins; default id asc. */
export function orderOf(query: Query, allowed: readonly string[]): { field: string; desc: boolean } {
  const order = asRecord(query['order']);
  if (order) {
    for (const [field, direction] of Object.entries(order)) {
      if (allowed.includes(field)) return { field, desc: String(direction).toLowerCase() === 'desc' };
    }
  }
  return { field: 'id', desc: false };
}

/** `with=contacts,leads` as a set. */
export function withOf(query: Query): Set<string> {
  const raw = query['with'];
  const text = Array.isArray(raw) ? raw.join(',') : typeof raw === 'string' ? raw : '';
  return new Set(text.split(',').map((item) => item.trim()).filter((item) => item.length > 0));
}
