import type { EntityKind } from '../../core/model/synced';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import type { BatchCommand, Bitrix24Client, Params } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import { CONTACT_SELECT, DEAL_SELECT, companySelect, mapCompany, mapContact, mapDeal, type Bitrix24FieldMap, type Row } from './bitrix24-mapper';
import { portalTimeMs, shiftPortalTime } from './bitrix24-time';
import { PAGE_SIZE, advanceWindows, initialWindowState, planWindows, type PlannedWindow, type WindowState } from './id-window-walker';

/**
 * Full and incremental sync of companies, contacts and deals from one portal.
 * Full: ID windows packed 50 to a batch (id-window-walker.ts), a cursor saved after every request.
 * Incremental: the dirty set events feed, re-read by ID 50 to a command; then a reconcile by
 * `>=DATE_MODIFY` from the last high-water mark (with overlap) that catches what events lost.
 */
export const STREAMS: readonly EntityKind[] = ['company', 'contact', 'deal'];
const METHOD: Record<EntityKind, string> = { company: 'crm.company.list', contact: 'crm.contact.list', deal: 'crm.deal.list' };
/** Reconcile re-reads this much before the mark: portal clocks and in-flight writes are not exact. */
const RECONCILE_OVERLAP_MS = 10 * 60_000;

export type SyncCounts = Record<EntityKind, number>;

export interface Bitrix24SyncDeps {
  client: Bitrix24Client;
  storage: Storage;
  installationId: string;
  fieldMap: Bitrix24FieldMap;
  logger: Logger;
  onProgress?: (progress: { stream: EntityKind; rows: number; done: boolean }) => void;
}

export interface Bitrix24Sync {
  /** Runs (or resumes) the full sync of every stream not yet fully synced. */
  full(): Promise<SyncCounts>;
  /** Dirty marks from events, then the reconcile by modification time. */
  incremental(): Promise<SyncCounts>;
}

const zero = (): SyncCounts => ({ company: 0, contact: 0, deal: 0 });

export function createBitrix24Sync(deps: Bitrix24SyncDeps): Bitrix24Sync {
  const { client, storage, installationId } = deps;
  const select: Record<EntityKind, string[]> = { company: companySelect(deps.fieldMap), contact: CONTACT_SELECT, deal: DEAL_SELECT };
  const map = (kind: EntityKind, rows: Row[]) =>
    kind === 'company' ? rows.map((row) => mapCompany(row, deps.fieldMap)) : kind === 'contact' ? rows.map(mapContact) : rows.map(mapDeal);

  const store = async (kind: EntityKind, rows: Row[]) => {
    if (rows.length === 0) return;
    // The generic signature cannot narrow the union per kind; the mapper above guarantees it.
    await storage.entities.upsertMany(installationId, kind, map(kind, rows) as never);
  };

  const listCommand = (key: string, kind: EntityKind, filter: Params, extra: Params = {}): BatchCommand => ({
    key,
    method: METHOD[kind],
    params: { order: { ID: 'ASC' }, filter, select: select[kind], start: -1, ...extra },
  });

  /** One request: per stream the lowest and highest ID and the newest DATE_MODIFY before we start. */
  const discover = async (kinds: EntityKind[]) => {
    const commands = kinds.flatMap((kind) => [
      { key: `min_${kind}`, method: METHOD[kind], params: { order: { ID: 'ASC' }, select: ['ID'], start: -1 } },
      { key: `max_${kind}`, method: METHOD[kind], params: { order: { ID: 'DESC' }, select: ['ID'], start: -1 } },
      { key: `mod_${kind}`, method: METHOD[kind], params: { order: { DATE_MODIFY: 'DESC' }, select: ['ID', 'DATE_MODIFY'], start: -1 } },
    ]);
    const outcome = await client.batch(commands);
    const first = (key: string) => (outcome.results[key] as Row[] | undefined)?.[0];
    return Object.fromEntries(
      kinds.map((kind) => {
        const min = first(`min_${kind}`);
        const max = first(`max_${kind}`);
        const modified = first(`mod_${kind}`);
        return [kind, { minId: min ? Number(min.ID) : null, maxId: max ? Number(max.ID) : null, mark: modified ? String(modified.DATE_MODIFY) : null }];
      }),
    ) as Record<EntityKind, { minId: number | null; maxId: number | null; mark: string | null }>;
  };

  const full = async (): Promise<SyncCounts> => {
    const counts = zero();
    const states = new Map<EntityKind, { state: WindowState; mark: string | null }>();
    const fresh: EntityKind[] = [];
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) continue;
      if (cursor?.position) {
        const saved = JSON.parse(cursor.position) as WindowState & { nextLo: number | null };
        states.set(kind, { state: { ...saved, nextLo: saved.nextLo ?? Number.POSITIVE_INFINITY }, mark: cursor.modifiedSince });
      } else fresh.push(kind);
    }
    if (fresh.length > 0) {
      const found = await discover(fresh);
      for (const kind of fresh) states.set(kind, { state: initialWindowState(found[kind].minId, found[kind].maxId), mark: found[kind].mark });
    }
    while ([...states.values()].some((entry) => !entry.state.done)) {
      const plan: Array<{ kind: EntityKind; window: PlannedWindow }> = [];
      for (const kind of STREAMS) {
        const entry = states.get(kind);
        if (!entry || entry.state.done || plan.length >= BATCH_LIMIT) continue;
        for (const window of planWindows(entry.state, BATCH_LIMIT - plan.length)) plan.push({ kind, window });
      }
      const commands = plan.map(({ kind, window }, index) =>
        listCommand(`w${index}`, kind, window.hi === null ? { '>=ID': window.lo } : { '>=ID': window.lo, '<ID': window.hi }),
      );
      const outcome = await client.batch(commands);
      for (const kind of STREAMS) {
        const entry = states.get(kind);
        if (!entry || entry.state.done) continue;
        const mine = plan.map((item, index) => ({ ...item, index })).filter((item) => item.kind === kind);
        if (mine.length === 0) continue;
        const pages = mine.map((item) => (outcome.results[`w${item.index}`] as Row[] | undefined) ?? []);
        const failed = mine.filter((item) => outcome.errors[`w${item.index}`]);
        const rows = pages.flat();
        await store(kind, rows);
        counts[kind] += rows.length;
        let next = advanceWindows(entry.state, mine.map((item) => item.window), pages.map((page) => page.map((row) => Number(row.ID))));
        // A command the portal refused (e.g. OPERATION_TIME_LIMIT) is read again next time.
        if (failed.length > 0) {
          next = { ...next, done: false, gaps: [...next.gaps, ...failed.map((item): [number, number | null] => [item.window.lo, item.window.hi])].sort((a, b) => a[0] - b[0]) };
          // (A failed window was also folded in as if empty; its re-read above covers it.)
        }
        entry.state = next;
        await storage.syncState.saveCursor({
          installationId,
          stream: kind,
          phase: next.done ? 'incremental' : 'full',
          position: next.done ? null : JSON.stringify({ ...next, nextLo: Number.isFinite(next.nextLo) ? next.nextLo : null }),
          fullCompletedAt: next.done ? new Date().toISOString() : null,
          modifiedSince: entry.mark,
        });
        deps.onProgress?.({ stream: kind, rows: counts[kind], done: next.done });
      }
    }
    return counts;
  };

  const rereadDirty = async (counts: SyncCounts) => {
    const startedAt = new Date().toISOString();
    const marks = await storage.syncState.peekDirty(installationId, BATCH_LIMIT * PAGE_SIZE);
    if (marks.length === 0) return;
    const deletes = marks.filter((mark) => mark.action === 'delete');
    for (const kind of STREAMS) {
      const ids = deletes.filter((mark) => mark.kind === kind).map((mark) => mark.crmId);
      if (ids.length > 0) await storage.entities.markDeleted(installationId, kind, ids);
    }
    const upserts = marks.filter((mark) => mark.action === 'upsert');
    const chunks: Array<{ kind: EntityKind; ids: string[] }> = [];
    for (const kind of STREAMS) {
      const ids = upserts.filter((mark) => mark.kind === kind).map((mark) => mark.crmId);
      for (let i = 0; i < ids.length; i += PAGE_SIZE) chunks.push({ kind, ids: ids.slice(i, i + PAGE_SIZE) });
    }
    const outcome = await client.batch(chunks.map((chunk, index) => listCommand(`d${index}`, chunk.kind, { '@ID': chunk.ids })));
    for (const [index, chunk] of chunks.entries()) {
      if (outcome.errors[`d${index}`]) continue;
      const rows = (outcome.results[`d${index}`] as Row[] | undefined) ?? [];
      await store(chunk.kind, rows);
      counts[chunk.kind] += rows.length;
      // Marked but not returned: deleted in the CRM since the event.
      const seen = new Set(rows.map((row) => String(row.ID)));
      const gone = chunk.ids.filter((crmId) => !seen.has(crmId));
      if (gone.length > 0) await storage.entities.markDeleted(installationId, chunk.kind, gone);
    }
    const done = marks.filter((mark) => mark.action === 'delete' || !chunks.some((chunk, index) => chunk.kind === mark.kind && chunk.ids.includes(mark.crmId) && outcome.errors[`d${index}`]));
    await storage.syncState.clearDirty(installationId, done, startedAt);
  };

  /** Offset pages are fine here: a changed-since set is small, and the overlap catches rows that shift. */
  const reconcile = async (counts: SyncCounts) => {
    const cursors = new Map<EntityKind, string | null>();
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) cursors.set(kind, cursor.modifiedSince);
    }
    const since = (kind: EntityKind) => {
      const mark = cursors.get(kind);
      return mark ? { '>=DATE_MODIFY': shiftPortalTime(mark, -RECONCILE_OVERLAP_MS) } : {};
    };
    const kinds = [...cursors.keys()];
    if (kinds.length === 0) return;
    const first = await client.batch(kinds.map((kind) => listCommand(`r_${kind}`, kind, since(kind), { start: 0 })));
    const newest = new Map<EntityKind, string | null>(kinds.map((kind) => [kind, cursors.get(kind) ?? null]));
    const take = async (kind: EntityKind, rows: Row[]) => {
      await store(kind, rows);
      counts[kind] += rows.length;
      for (const row of rows) {
        const modified = typeof row.DATE_MODIFY === 'string' ? row.DATE_MODIFY : null;
        const current = newest.get(kind);
        if (modified && (!current || portalTimeMs(modified) > portalTimeMs(current))) newest.set(kind, modified);
      }
    };
    const rest: BatchCommand[] = [];
    for (const kind of kinds) {
      await take(kind, (first.results[`r_${kind}`] as Row[] | undefined) ?? []);
      const total = first.totals[`r_${kind}`] ?? 0;
      for (let start = PAGE_SIZE; start < total; start += PAGE_SIZE) rest.push(listCommand(`r_${kind}_${start}`, kind, since(kind), { start }));
    }
    for (let i = 0; i < rest.length; i += BATCH_LIMIT) {
      const outcome = await client.batch(rest.slice(i, i + BATCH_LIMIT));
      for (const command of rest.slice(i, i + BATCH_LIMIT)) {
        const kind = command.key.split('_')[1] as EntityKind;
        await take(kind, (outcome.results[command.key] as Row[] | undefined) ?? []);
      }
    }
    for (const kind of kinds) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor) await storage.syncState.saveCursor({ ...cursor, modifiedSince: newest.get(kind) ?? cursor.modifiedSince });
    }
  };

  return {
    full,
    async incremental() {
      const counts = zero();
      await rereadDirty(counts);
      await reconcile(counts);
      return counts;
    },
  };
}
