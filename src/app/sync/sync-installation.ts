import type { EntityKind } from '../../core/model/synced';
import type { CrmReader, ModifiedMarks, SyncPage } from '../../core/ports/crm-connector.port';
import type { Storage } from '../../core/ports/storage.port';
import type { DirtyMark } from '../../core/ports/sync-state-store.port';

/**
 * The sync use case, the same for every CRM: the connector's reader yields pages and rows; this
 * stores them, saves the connector's opaque cursor after every page (a crash resumes there),
 * drains the dirty set that events feed, applies tombstones, and runs the reconcile by
 * modification time whose mark moves only when the whole changed set was read.
 */
export const STREAMS: readonly EntityKind[] = ['company', 'contact', 'deal'];
/** The dirty re-read drains at most this many reads per pass; the rest waits for the next. */
const MAX_DIRTY_READS = 8;

export type SyncCounts = Record<EntityKind, number>;

export interface SyncDeps {
  reader: CrmReader;
  storage: Storage;
  installationId: string;
  onProgress?: (progress: { stream: EntityKind; rows: number; done: boolean }) => void;
}

export interface InstallationSync {
  /** Runs (or resumes) the full sync of every stream not yet fully synced. */
  full(): Promise<SyncCounts>;
  /** Dirty marks from events, then the reconcile by modification time. */
  incremental(): Promise<SyncCounts>;
}

const zero = (): SyncCounts => ({ company: 0, contact: 0, deal: 0 });
const keyOf = (mark: { kind: EntityKind; crmId: string }) => `${mark.kind}:${mark.crmId}`;

export function createInstallationSync(deps: SyncDeps): InstallationSync {
  const { reader, storage, installationId } = deps;
  const store = async (page: Pick<SyncPage, 'kind' | 'rows'>, counts: SyncCounts) => {
    if (page.rows.length === 0) return;
    await storage.entities.upsertMany(installationId, page.kind, page.rows as never);
    counts[page.kind] += page.rows.length;
  };

  const full = async (): Promise<SyncCounts> => {
    const counts = zero();
    const kinds: EntityKind[] = [];
    const cursors: Partial<Record<EntityKind, string | null>> = {};
    const marks = new Map<EntityKind, string | null>();
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) continue;
      kinds.push(kind);
      cursors[kind] = cursor?.position ?? null;
      if (cursor?.position) marks.set(kind, cursor.modifiedSince);
    }
    if (kinds.length === 0) return counts;
    for await (const page of reader.fullPages({ kinds, cursors })) {
      await store(page, counts);
      if (page.mark !== undefined) marks.set(page.kind, page.mark);
      await storage.syncState.saveCursor({
        installationId,
        stream: page.kind,
        phase: page.done ? 'incremental' : 'full',
        position: page.done ? null : page.cursor,
        fullCompletedAt: page.done ? new Date().toISOString() : null,
        modifiedSince: marks.get(page.kind) ?? null,
      });
      deps.onProgress?.({ stream: page.kind, rows: counts[page.kind], done: page.done });
    }
    return counts;
  };

  const rereadDirty = async (counts: SyncCounts) => {
    const capacity = reader.readByIdsCapacity;
    for (let round = 0; round < MAX_DIRTY_READS; round += 1) {
      const startedAt = new Date().toISOString();
      const marks = await storage.syncState.peekDirty(installationId, capacity);
      if (marks.length === 0) return;
      for (const kind of STREAMS) {
        const ids = marks.filter((mark) => mark.action === 'delete' && mark.kind === kind).map((mark) => mark.crmId);
        if (ids.length > 0) await storage.entities.markDeleted(installationId, kind, ids);
      }
      const requests = STREAMS.map((kind) => ({ kind, ids: marks.filter((mark) => mark.action === 'upsert' && mark.kind === kind).map((mark) => mark.crmId) })).filter(
        (request) => request.ids.length > 0,
      );
      const results = requests.length > 0 ? await reader.readByIds(requests) : [];
      const pending = new Set<string>();
      let refused = 0;
      for (const result of results) {
        await store(result, counts);
        if (result.missing.length > 0) await storage.entities.markDeleted(installationId, result.kind, result.missing);
        for (const crmId of [...result.refused, ...result.unread]) pending.add(keyOf({ kind: result.kind, crmId }));
        refused += result.refused.length;
      }
      const processed: DirtyMark[] = marks.filter((mark) => mark.action === 'delete' || !pending.has(keyOf(mark)));
      await storage.syncState.clearDirty(installationId, processed, startedAt);
      if (refused > 0 || processed.length === 0 || (marks.length < capacity && processed.length === marks.length)) return;
    }
  };

  const reconcile = async (counts: SyncCounts) => {
    const marks: ModifiedMarks = {};
    for (const kind of STREAMS) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      if (cursor?.fullCompletedAt) marks[kind] = cursor.modifiedSince;
    }
    if (Object.keys(marks).length === 0) return;
    const pages = reader.changedPages({ marks });
    let next = await pages.next();
    while (!next.done) {
      await store(next.value, counts);
      next = await pages.next();
    }
    const { complete, marks: newest } = next.value;
    for (const kind of Object.keys(marks) as EntityKind[]) {
      const cursor = await storage.syncState.getCursor(installationId, kind);
      // The mark moves only when the whole changed set was read.
      if (cursor && complete[kind]) await storage.syncState.saveCursor({ ...cursor, modifiedSince: newest[kind] ?? cursor.modifiedSince });
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
