import type { EntityKind } from '../../core/model/synced';
import type { ChangedPagesResult, CrmReader, CrmReaderOptions, ModifiedMarks, ReadByIdsResult, SyncPage } from '../../core/ports/crm-connector.port';
import type { Bitrix24Client, Params } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import { CONTACT_SELECT, DEAL_SELECT, DEFAULT_FIELD_MAP, companySelect, mapCompany, mapContact, mapDeal, type Bitrix24FieldMap, type Row } from './bitrix24-mapper';
import { portalTimeMs, shiftPortalTime } from './bitrix24-time';
import { PAGE_SIZE, initialWindowState, type WindowState } from './id-window-walker';
import { LIST_METHOD, listCommand, walkWindows, type StreamWalk } from './window-batches';

/**
 * Bitrix24's page reader: ID windows packed 50 list commands to a `batch`, so one request may
 * yield pages of several kinds. The cursor of a stream is its window state (JSON, opaque to the
 * app). The changed set is read by `>=DATE_MODIFY` from the mark (with overlap), walked with the
 * same ID windows (no offsets, no COUNT). Re-reads by id put 50 ids in a command.
 */
/** The changed set is read this much before the mark: portal clocks and in-flight writes are not exact. */
const RECONCILE_OVERLAP_MS = 10 * 60_000;

const first = (rows: unknown): Row | undefined => (rows as Row[] | undefined)?.[0];

const encodeCursor = (state: WindowState): string | null =>
  state.done ? null : JSON.stringify({ ...state, nextLo: Number.isFinite(state.nextLo) ? state.nextLo : null });
const decodeCursor = (cursor: string): WindowState => {
  const saved = JSON.parse(cursor) as WindowState & { nextLo: number | null };
  return { ...saved, nextLo: saved.nextLo ?? Number.POSITIVE_INFINITY };
};

export function createBitrix24Reader(client: Bitrix24Client, options: CrmReaderOptions): CrmReader {
  const fieldMap = { ...DEFAULT_FIELD_MAP, ...options.fieldMap } as Bitrix24FieldMap;
  const appUserId = typeof options.slot?.appUserId === 'string' ? options.slot.appUserId : null;
  const select: Record<EntityKind, string[]> = { company: companySelect(fieldMap), contact: CONTACT_SELECT, deal: DEAL_SELECT };
  const map = (kind: EntityKind, rows: Row[]) =>
    // The generic page type cannot narrow the union per kind; the mapper guarantees it.
    (kind === 'company' ? rows.map((row) => mapCompany(row, fieldMap)) : kind === 'contact' ? rows.map(mapContact) : rows.map(mapDeal)) as never[];

  /** One request: per stream the lowest and highest ID and the newest DATE_MODIFY before we start. */
  const discover = async (kinds: EntityKind[]) => {
    const outcome = await client.batch(
      kinds.flatMap((kind) => [
        { key: `min_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'ASC' }, select: ['ID'], start: -1 } },
        { key: `max_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'DESC' }, select: ['ID'], start: -1 } },
        { key: `mod_${kind}`, method: LIST_METHOD[kind], params: { order: { DATE_MODIFY: 'DESC' }, select: ['ID', 'DATE_MODIFY'], start: -1 } },
      ]),
    );
    return new Map(
      kinds.map((kind) => {
        const min = first(outcome.results[`min_${kind}`]);
        const max = first(outcome.results[`max_${kind}`]);
        const modified = first(outcome.results[`mod_${kind}`]);
        return [kind, { minId: min ? Number(min.ID) : null, maxId: max ? Number(max.ID) : null, mark: modified ? String(modified.DATE_MODIFY) : null }];
      }),
    );
  };

  async function* fullPages(input: { kinds: EntityKind[]; cursors: Partial<Record<EntityKind, string | null>> }): AsyncGenerator<SyncPage> {
    const walks: StreamWalk[] = [];
    const marks = new Map<EntityKind, string | null>();
    const fresh: EntityKind[] = [];
    for (const kind of input.kinds) {
      const cursor = input.cursors[kind];
      if (cursor) walks.push({ kind, select: select[kind], filter: {}, state: decodeCursor(cursor) });
      else fresh.push(kind);
    }
    if (fresh.length > 0) {
      const found = await discover(fresh);
      for (const kind of fresh) {
        const stream = found.get(kind);
        walks.push({ kind, select: select[kind], filter: {}, state: initialWindowState(stream?.minId ?? null, stream?.maxId ?? null) });
        marks.set(kind, stream?.mark ?? null);
      }
    }
    for await (const step of walkWindows(client, walks)) {
      const { kind, state } = step.walk;
      yield { kind, rows: map(kind, step.rows), cursor: encodeCursor(state), done: state.done, ...(marks.has(kind) ? { mark: marks.get(kind) ?? null } : {}) };
    }
  }

  async function* changedPages(input: { marks: ModifiedMarks }): AsyncGenerator<SyncPage, ChangedPagesResult> {
    const kinds = Object.keys(input.marks) as EntityKind[];
    if (kinds.length === 0) return { complete: {}, marks: {} };
    const filterOf = (kind: EntityKind): Params => {
      const mark = input.marks[kind];
      return {
        ...(mark ? { '>=DATE_MODIFY': shiftPortalTime(mark, -RECONCILE_OVERLAP_MS) } : {}),
        // Our own tier/score writes come back modified by our app user: not news (docs/bitrix24.md, "echoes").
        ...(options.writtenKinds.includes(kind) && appUserId ? { '!MODIFY_BY_ID': appUserId } : {}),
      };
    };
    // One request: the first page of each changed set, and the highest changed ID.
    const probe = await client.batch(
      kinds.flatMap((kind) => [
        listCommand(`first_${kind}`, { kind, select: select[kind] }, filterOf(kind)),
        { key: `max_${kind}`, method: LIST_METHOD[kind], params: { order: { ID: 'DESC' }, filter: filterOf(kind), select: ['ID'], start: -1 } },
      ]),
    );
    const newest: ModifiedMarks = { ...input.marks };
    const complete: Partial<Record<EntityKind, boolean>> = {};
    for (const kind of kinds) complete[kind] = !probe.errors[`first_${kind}`] && !probe.errors[`max_${kind}`];
    const page = (kind: EntityKind, rows: Row[], done: boolean): SyncPage => {
      for (const row of rows) {
        const modified = typeof row.DATE_MODIFY === 'string' ? row.DATE_MODIFY : null;
        const current = newest[kind];
        if (modified && (!current || portalTimeMs(modified) > portalTimeMs(current))) newest[kind] = modified;
      }
      return { kind, rows: map(kind, rows), cursor: null, done };
    };
    const walks: StreamWalk[] = [];
    for (const kind of kinds) {
      const rows = (probe.results[`first_${kind}`] as Row[] | undefined) ?? [];
      const maxRow = first(probe.results[`max_${kind}`]);
      const more = rows.length === PAGE_SIZE && maxRow !== undefined && complete[kind] === true;
      if (more) {
        const last = Math.max(...rows.map((row) => Number(row.ID)));
        walks.push({ kind, select: select[kind], filter: filterOf(kind), state: { gaps: [], nextLo: last + 1, maxId: Number(maxRow.ID), width: PAGE_SIZE, done: false } });
      }
      if (rows.length > 0) yield page(kind, rows, !more);
    }
    for await (const step of walkWindows(client, walks)) {
      if (step.refused > 0) complete[step.walk.kind] = false;
      yield page(step.walk.kind, step.rows, step.walk.state.done);
    }
    return { complete, marks: newest };
  }

  /** Up to 50 ids a command and 50 commands a request; ids that do not fit come back `unread`. */
  const readByIds = async (requests: Array<{ kind: EntityKind; ids: string[] }>): Promise<ReadByIdsResult[]> => {
    const chunks: Array<{ kind: EntityKind; ids: string[] }> = [];
    const unread = new Map<EntityKind, string[]>();
    for (const { kind, ids } of requests) {
      for (let i = 0; i < ids.length; i += PAGE_SIZE) {
        if (chunks.length < BATCH_LIMIT) chunks.push({ kind, ids: ids.slice(i, i + PAGE_SIZE) });
        else unread.set(kind, [...(unread.get(kind) ?? []), ...ids.slice(i, i + PAGE_SIZE)]);
      }
    }
    const results = new Map<EntityKind, ReadByIdsResult>(requests.map(({ kind }) => [kind, { kind, rows: [], missing: [], refused: [], unread: unread.get(kind) ?? [] }]));
    if (chunks.length === 0) return [...results.values()];
    const outcome = await client.batch(chunks.map((chunk, index) => listCommand(`d${index}`, { kind: chunk.kind, select: select[chunk.kind] }, { '@ID': chunk.ids })));
    for (const [index, chunk] of chunks.entries()) {
      const result = results.get(chunk.kind) as ReadByIdsResult;
      if (outcome.errors[`d${index}`]) {
        result.refused.push(...chunk.ids);
        continue;
      }
      const rows = (outcome.results[`d${index}`] as Row[] | undefined) ?? [];
      result.rows.push(...map(chunk.kind, rows));
      // Asked for but not returned: deleted in the CRM since the event.
      const seen = new Set(rows.map((row) => String(row.ID)));
      result.missing.push(...chunk.ids.filter((crmId) => !seen.has(crmId)));
    }
    return [...results.values()];
  };

  return { fullPages, changedPages, readByIds, readByIdsCapacity: BATCH_LIMIT * PAGE_SIZE };
}
