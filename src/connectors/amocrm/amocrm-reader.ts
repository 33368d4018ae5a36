import { isKamError } from '../../core/errors';
import type { EntityKind, EntityOfKind } from '../../core/model/synced';
import type { CrmReader, ModifiedMarks, ReadByIdsResult, SyncPage } from '../../core/ports/crm-connector.port';
import type { AmoClient, Query } from './amocrm-client';
import { mapCompany, mapContact, mapLead, type MapContext, type Row } from './amocrm-mapper';

/**
 * Reads leads, contacts and companies 250 a page (the API's maximum), following
 * `_links.next.href` (https://www.amocrm.ru/developers/content/crm_platform/leads-api). The
 * cursor after a page is that link (path and query, ours to check again before following), so a
 * crash resumes at the next page. Full sync walks `order[id]=asc`: rows added meanwhile land on
 * later pages, none is skipped. The reconcile asks `filter[updated_at][from]` (unix seconds,
 * minus an overlap) `order[updated_at]=asc`; an empty list is a 204 (one request per kind).
 * Leads come `with=contacts`; their company is always in `_embedded.companies`.
 */
export const PAGE_LIMIT = 250;
export const ENTITY_OF: Record<EntityKind, 'companies' | 'contacts' | 'leads'> = { company: 'companies', contact: 'contacts', deal: 'leads' };
const KINDS: readonly EntityKind[] = ['company', 'contact', 'deal'];

export interface AmoReaderDeps {
  client: AmoClient;
  context: MapContext;
  /**
   * The user our token acts as, and the kinds we write to: the reconcile skips rows of those
   * kinds that user changed last, our own tier/score writes coming back (docs/amocrm.md, echoes).
   */
  appUserId?: string | null;
  writtenKinds?: readonly EntityKind[];
  /** The account's user ids (cached by the session): the reconcile of written kinds asks only for their changes. */
  userIds?: () => Promise<string[]>;
  /** Re-read this many seconds before each mark: writes in flight when the mark was taken. */
  overlapSeconds?: number;
  nowSeconds?: () => number;
}

interface ListBody {
  _links?: { next?: { href?: unknown } };
  _embedded?: Record<string, unknown>;
}

function mapRow<K extends EntityKind>(kind: K, row: Row, context: MapContext): EntityOfKind[K] {
  if (kind === 'company') return mapCompany(row, context) as EntityOfKind[K];
  if (kind === 'contact') return mapContact(row) as EntityOfKind[K];
  return mapLead(row, context) as EntityOfKind[K];
}

function baseQuery(kind: EntityKind): Query {
  return { limit: PAGE_LIMIT, ...(kind === 'deal' ? { with: 'contacts' } : {}) };
}

export function createAmoReader(deps: AmoReaderDeps): CrmReader {
  const { client, context } = deps;
  const overlap = deps.overlapSeconds ?? 5;
  const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  const rowsOf = (kind: EntityKind, body: ListBody | null): Row[] => {
    const list = body?._embedded?.[ENTITY_OF[kind]];
    return Array.isArray(list) ? (list as Row[]) : [];
  };
  const nextOf = (body: ListBody | null): string | null => {
    const href = body?._links?.next?.href;
    if (typeof href !== 'string' || href === '') return null;
    const url = new URL(href, client.baseUrl);
    return `${url.pathname}${url.search}`;
  };

  /**
   * Walks one list from its first request (or a saved cursor) to its last page. The next page is
   * asked for before this one is handed over, so the app stores a page while the next is on its
   * way and the rate limit, not our own work, sets the pace.
   */
  async function* walk(kind: EntityKind, first: () => Promise<ListBody | null>, cursor: string | null): AsyncGenerator<{ rows: Row[]; next: string | null }> {
    let body = cursor ? await client.follow<ListBody>(cursor) : await first();
    for (;;) {
      const next = rowsOf(kind, body).length > 0 ? nextOf(body) : null;
      const ahead = next === null ? null : client.follow<ListBody>(next);
      // A consumer that stops early leaves the prefetch unread: its failure must not go unhandled.
      ahead?.catch(() => undefined);
      yield { rows: rowsOf(kind, body), next };
      if (ahead === null) return;
      body = await ahead;
    }
  }

  return {
    readByIdsCapacity: PAGE_LIMIT,

    async *fullPages({ kinds, cursors }) {
      for (const kind of KINDS.filter((candidate) => kinds.includes(candidate))) {
        const cursor = cursors[kind] ?? null;
        const mark = cursor === null ? String(nowSeconds()) : undefined;
        let first = true;
        for await (const page of walk(kind, () => client.get<ListBody>(`/api/v4/${ENTITY_OF[kind]}`, { ...baseQuery(kind), order: { id: 'asc' } }), cursor)) {
          const out: SyncPage & { mark?: string | null } = {
            kind,
            rows: page.rows.map((row) => mapRow(kind, row, context)),
            cursor: page.next,
            done: page.next === null,
          };
          if (first && mark !== undefined) out.mark = mark;
          first = false;
          yield out;
        }
      }
    },

    async *changedPages({ marks }) {
      const complete: Partial<Record<EntityKind, boolean>> = {};
      const newest: ModifiedMarks = {};
      for (const kind of KINDS) {
        const mark = marks[kind];
        if (mark === undefined || mark === null) continue;
        const from = Math.max(0, Number(mark) - overlap);
        let latest = Number(mark);
        const skipEchoes = Boolean(deps.appUserId) && (deps.writtenKinds ?? []).includes(kind);
        // amo has no "not by" filter: a written kind asks for changes by every other user (and 0,
        // robots), so our own tier/score writes are not even sent back (CompaniesFilter::setUpdatedBy).
        const others = skipEchoes && deps.userIds ? ['0', ...(await deps.userIds()).filter((id) => id !== deps.appUserId)] : null;
        const query = { ...baseQuery(kind), filter: { updated_at: { from }, ...(others ? { updated_by: others } : {}) }, order: { updated_at: 'asc' } };
        for await (const page of walk(kind, () => client.get<ListBody>(`/api/v4/${ENTITY_OF[kind]}`, query), null)) {
          for (const row of page.rows) latest = Math.max(latest, Number(row.updated_at) || 0);
          const rows = skipEchoes ? page.rows.filter((row) => String(row.updated_by ?? '') !== deps.appUserId) : page.rows;
          if (rows.length > 0) yield { kind, rows: rows.map((row) => mapRow(kind, row, context)), cursor: page.next, done: page.next === null };
        }
        complete[kind] = true;
        newest[kind] = String(latest);
      }
      return { complete, marks: newest };
    },

    async readByIds(requests) {
      const results: ReadByIdsResult[] = [];
      for (const request of requests) {
        const result: ReadByIdsResult = { kind: request.kind, rows: [], missing: [], refused: [], unread: [] };
        const ids = [...new Set(request.ids)];
        for (let i = 0; i < ids.length; i += PAGE_LIMIT) {
          const chunk = ids.slice(i, i + PAGE_LIMIT);
          try {
            const body = await client.get<ListBody>(`/api/v4/${ENTITY_OF[request.kind]}`, { ...baseQuery(request.kind), filter: { id: chunk } });
            const rows = rowsOf(request.kind, body);
            const seen = new Set(rows.map((row) => String(row.id)));
            result.rows.push(...rows.map((row) => mapRow(request.kind, row, context)));
            // Asked for and not returned (a 204 returns none): deleted in amo.
            result.missing.push(...chunk.filter((entityId) => !seen.has(entityId)));
          } catch (error) {
            if (!isKamError(error) || !error.retryable) throw error;
            result.refused.push(...chunk);
          }
        }
        results.push(result);
      }
      return results;
    },
  };
}
