import type { EntityKind } from '../../core/model/synced';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import type { Bitrix24Client, Params } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import { CONTACT_SELECT, DEAL_SELECT, companySelect, mapCompany, mapContact, mapDeal, type Bitrix24FieldMap, type Row } from './bitrix24-mapper';
import { portalTimeMs, shiftPortalTime } from './bitrix24-time';
import { PAGE_SIZE, initialWindowState, type WindowState } from './id-window-walker';
import { LIST_METHOD, listCommand, walkWindows, type StreamWalk } from './window-batches';

/**
 * Full and incremental sync of companies, contacts and deals from one portal.
 * Full: ID windows packed 50 to a batch, a cursor saved after every request (a crash resumes).
 * Incremental: the dirty set events feed, re-read by ID 50 to a command; then a reconcile by
 * `>=DATE_MODIFY` from the last mark (with overlap) that catches what events lost, walked with
 * the same ID windows (no offsets, no COUNT).
 */
export const STREAMS: readonly EntityKind[] = ['company', 'contact', 'deal'];
/** Reconcile re-reads this much before the mark: portal clocks and in-flight writes are not exact. */
const RECONCILE_OVERLAP_MS = 10 * 60_000;
/** The dirty re-read drains at most this many requests per pass; the rest waits for the next. */
const MAX_DIRTY_REQUESTS = 8;

export type SyncCounts = Record<EntityKind, number>;

export interface Bitrix24SyncDeps {
  client: Bitrix24Client;
  storage: Storage;
  installationId: string;
  fieldMap: Bitrix24FieldMap;
  logger: Logger;
  /**
   * The portal user our token acts as. The reconcile skips companies that user modified last:
   * they are our own tier/score writes coming back (docs/bitrix24.md, "echoes").
   */
  appUserId?: string | null;
  /** The kinds we write tier/score to (companies, and contacts when they are accounts). */
  writtenKinds?: readonly EntityKind[];
  onProgress?: (progress: { stream: EntityKind; rows: number; done: boolean }) => void;
}

export interface Bitrix24Sync {
  /** Runs (or resumes) the full sync of every stream not yet fully synced. */
  full(): Promise<SyncCounts>;
  /** Dirty marks from events, then the reconcile by modification time. */
  incremental(): Promise<SyncCounts>;
}

const zero = (): SyncCounts => ({ company: 0, contact: 0, deal: 0 });
const first = (rows: unknown): Row | undefined => (rows as Row[] | undefined)?.[0];

export function createBitrix24Sync(deps: Bitrix24SyncDeps): Bitrix24Sync {
  const { client, storage, installationId } = deps;
  const select: Record<EntityKind, string[]> = { company: companySelect(deps.fieldMap), contact: CONTACT_SELECT, deal: DEAL_SELECT };
  const store = async (kind: EntityKind, rows: Row[]) => {
    if (rows.length === 0) return;
    const mapped = kind === 'company' ? rows.map((row) => mapCompany(row, deps.fieldMap)) : kind === 'contact' ? rows.map(mapContact) : rows.map(mapDeal);
    // The generic signature cannot narrow the union per kind; the mapper above guarantees it.
    await storage.entities.upsertMany(installationId, kind, mapped as never);
  };

  /** One request: per stream the lowest and highest ID and the newest DATE_MODIFY before we start. */
  const discover = async (kinds: EntityKind[]) => {
    const outcome = await client.batch(
      kinds.flatMap((kind) => [
        { key: `min_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'ASC' }, select: ['ID'], start: -1 } },
        { key: `max_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'DESC' }, select: ['ID'], start: -1 } },
        { key: `mod_${kind}`, method: LIST_METHOD[kind], params: { order: { DATE_MODIFY: 'DESC' }, select: ['ID', 'DATE_MODIFY'], start: -1 } },
      ]),
    );
    const found = (kind: EntityKind) => {
      const min = first(outcome.results[`min_${kind}`]);
      const max = first(outcome.results[`max_${kind}`]);
      const modified = first(outcome.results[`mod_${kind}`]);
      return { minId: min ? Number(min.ID) : null, maxId: max ? Number(max.ID) : null, mark: modified ? String(modified.DATE_MODIFY) : null };
    };
    return new Map(kinds.map((kind) => [kind, found(kind)]));
  };

  const full = async (): Promise<SyncCounts> => {
    const counts = zero();
    const walks: StreamWalk[] = [];
    const marks = new Map<EntityKind, string | null>();
    const fresh: EntityKind[] = [];
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) continue;
      if (cursor?.position) {
        const saved = JSON.parse(cursor.position) as WindowState & { nextLo: number | null };
        walks.push({ kind, select: select[kind], filter: {}, state: { ...saved, nextLo: saved.nextLo ?? Number.POSITIVE_INFINITY } });
        marks.set(kind, cursor.modifiedSince);
      } else fresh.push(kind);
    }
    if (fresh.length > 0) {
      const found = await discover(fresh);
      for (const kind of fresh) {
        const stream = found.get(kind);
        walks.push({ kind, select: select[kind], filter: {}, state: initialWindowState(stream?.minId ?? null, stream?.maxId ?? null) });
        marks.set(kind, stream?.mark ?? null);
      }
    }
    await walkWindows(client, walks, async (walk, rows) => {
      await store(walk.kind, rows);
      counts[walk.kind] += rows.length;
      const { state } = walk;
      await storage.syncState.saveCursor({
        installationId,
        stream: walk.kind,
        phase: state.done ? 'incremental' : 'full',
        position: state.done ? null : JSON.stringify({ ...state, nextLo: Number.isFinite(state.nextLo) ? state.nextLo : null }),
        fullCompletedAt: state.done ? new Date().toISOString() : null,
        modifiedSince: marks.get(walk.kind) ?? null,
      });
      deps.onProgress?.({ stream: walk.kind, rows: counts[walk.kind], done: state.done });
    });
    return counts;
  };

  const rereadDirty = async (counts: SyncCounts) => {
    for (let round = 0; round < MAX_DIRTY_REQUESTS; round += 1) {
      const startedAt = new Date().toISOString();
      const marks = await storage.syncState.peekDirty(installationId, BATCH_LIMIT * PAGE_SIZE);
      if (marks.length === 0) return;
      for (const kind of STREAMS) {
        const ids = marks.filter((mark) => mark.action === 'delete' && mark.kind === kind).map((mark) => mark.crmId);
        if (ids.length > 0) await storage.entities.markDeleted(installationId, kind, ids);
      }
      // Up to 50 IDs a command and 50 commands a request; marks that do not fit wait for the next round.
      const chunks: Array<{ kind: EntityKind; ids: string[] }> = [];
      for (const kind of STREAMS) {
        const ids = marks.filter((mark) => mark.action === 'upsert' && mark.kind === kind).map((mark) => mark.crmId);
        for (let i = 0; i < ids.length && chunks.length < BATCH_LIMIT; i += PAGE_SIZE) chunks.push({ kind, ids: ids.slice(i, i + PAGE_SIZE) });
      }
      const included = new Set(chunks.flatMap((chunk) => chunk.ids.map((crmId) => `${chunk.kind}:${crmId}`)));
      const outcome = await client.batch(chunks.map((chunk, index) => listCommand(`d${index}`, { kind: chunk.kind, select: select[chunk.kind] }, { '@ID': chunk.ids })));
      const refused = new Set<string>();
      for (const [index, chunk] of chunks.entries()) {
        if (outcome.errors[`d${index}`]) {
          for (const crmId of chunk.ids) refused.add(`${chunk.kind}:${crmId}`);
          continue;
        }
        const rows = (outcome.results[`d${index}`] as Row[] | undefined) ?? [];
        await store(chunk.kind, rows);
        counts[chunk.kind] += rows.length;
        // Marked but not returned: deleted in the CRM since the event.
        const seen = new Set(rows.map((row) => String(row.ID)));
        const gone = chunk.ids.filter((crmId) => !seen.has(crmId));
        if (gone.length > 0) await storage.entities.markDeleted(installationId, chunk.kind, gone);
      }
      const processed = marks.filter((mark) => mark.action === 'delete' || (included.has(`${mark.kind}:${mark.crmId}`) && !refused.has(`${mark.kind}:${mark.crmId}`)));
      await storage.syncState.clearDirty(installationId, processed, startedAt);
      if (refused.size > 0 || processed.length === 0 || (marks.length < BATCH_LIMIT * PAGE_SIZE && processed.length === marks.length)) return;
    }
  };

  const reconcile = async (counts: SyncCounts) => {
    const cursors = new Map<EntityKind, string | null>();
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) cursors.set(kind, cursor.modifiedSince);
    }
    const kinds = [...cursors.keys()];
    if (kinds.length === 0) return;
    const filterOf = (kind: EntityKind): Params => {
      const mark = cursors.get(kind);
      return {
        ...(mark ? { '>=DATE_MODIFY': shiftPortalTime(mark, -RECONCILE_OVERLAP_MS) } : {}),
        ...((deps.writtenKinds ?? ['company']).includes(kind) && deps.appUserId ? { '!MODIFY_BY_ID': deps.appUserId } : {}),
      };
    };
    // One request: the first page of each changed set, and the highest changed ID.
    const probe = await client.batch(
      kinds.flatMap((kind) => [
        listCommand(`first_${kind}`, { kind, select: select[kind] }, filterOf(kind)),
        { key: `max_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'DESC' }, filter: filterOf(kind), select: ['ID'], start: -1 } },
      ]),
    );
    const newest = new Map<EntityKind, string | null>(kinds.map((kind) => [kind, cursors.get(kind) ?? null]));
    const complete = new Map<EntityKind, boolean>(kinds.map((kind) => [kind, !probe.errors[`first_${kind}`] && !probe.errors[`max_${kind}`]]));
    const take = async (kind: EntityKind, rows: Row[]) => {
      await store(kind, rows);
      counts[kind] += rows.length;
      for (const row of rows) {
        const modified = typeof row.DATE_MODIFY === 'string' ? row.DATE_MODIFY : null;
        const current = newest.get(kind);
        if (modified && (!current || portalTimeMs(modified) > portalTimeMs(current))) newest.set(kind, modified);
      }
    };
    const walks: StreamWalk[] = [];
    for (const kind of kinds) {
      const rows = (probe.results[`first_${kind}`] as Row[] | undefined) ?? [];
      await take(kind, rows);
      const maxRow = first(probe.results[`max_${kind}`]);
      if (rows.length === PAGE_SIZE && maxRow && complete.get(kind)) {
        const last = Math.max(...rows.map((row) => Number(row.ID)));
        walks.push({ kind, select: select[kind], filter: filterOf(kind), state: { gaps: [], nextLo: last + 1, maxId: Number(maxRow.ID), width: PAGE_SIZE, done: false } });
      }
    }
    await walkWindows(client, walks, async (walk, rows, refused) => {
      await take(walk.kind, rows);
      if (refused > 0) complete.set(walk.kind, false);
    });
    for (const kind of kinds) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      // The mark moves only when the whole changed set was read.
      if (cursor && complete.get(kind)) await storage.syncState.saveCursor({ ...cursor, modifiedSince: newest.get(kind) ?? cursor.modifiedSince });
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
