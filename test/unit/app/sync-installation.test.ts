import { createInstallationSync } from '../../../src/app/sync/sync-installation';
import type { EntityKind, SyncedCompany, SyncedDeal } from '../../../src/core/model/synced';
import type { ChangedPagesResult, CrmReader, ModifiedMarks, ReadByIdsResult, SyncPage } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';

/**
 * The CRM-neutral sync use case against a scripted reader and a real (in-memory SQLite) store:
 * cursors saved after every page and handed back, the dirty set drained with tombstones, and the
 * reconcile mark moved only when the connector read the whole changed set.
 */
let storage: Storage;
let installationId: string;
beforeEach(async () => {
  storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 9) });
  installationId = (await storage.installations.upsert({ crm: 'amocrm', externalId: '1', domain: 'a.amocrm.ru', status: 'active' })).id;
});
afterEach(async () => {
  await storage.close();
});

const company = (id: string): SyncedCompany => ({ crmId: id, name: `Company ${id}`, industry: null, ownerId: null, fields: {}, createdAt: null, modifiedAt: null });
const deal = (id: string): SyncedDeal => ({
  crmId: id, title: `Deal ${id}`, companyId: null, contactId: null, amount: 1, currency: 'RUB', status: 'open', pipelineId: '1', stageId: 's',
  ownerId: null, createdAt: '2026-01-01', closedAt: null, modifiedAt: null,
});
const page = (kind: EntityKind, rows: unknown[], cursor: string | null, extra: Partial<SyncPage> = {}): SyncPage => ({ kind, rows: rows as never, cursor, done: cursor === null, ...extra });

/** A reader that plays back scripted answers and records what it was asked. */
function scripted(script: {
  full?: (input: { kinds: EntityKind[]; cursors: Partial<Record<EntityKind, string | null>> }) => SyncPage[];
  changed?: { pages: SyncPage[]; result: ChangedPagesResult };
  byIds?: (requests: Array<{ kind: EntityKind; ids: string[] }>) => ReadByIdsResult[];
  failAfter?: number;
}) {
  const asked = { full: [] as Array<Partial<Record<EntityKind, string | null>>>, changed: [] as ModifiedMarks[], byIds: [] as Array<Array<{ kind: EntityKind; ids: string[] }>> };
  const reader: CrmReader = {
    readByIdsCapacity: 3,
    async *fullPages(input) {
      asked.full.push(input.cursors);
      let yielded = 0;
      for (const item of script.full?.(input) ?? []) {
        if (script.failAfter !== undefined && yielded === script.failAfter) throw new Error('connection lost');
        yielded += 1;
        yield item;
      }
    },
    async *changedPages(input) {
      asked.changed.push(input.marks);
      for (const item of script.changed?.pages ?? []) yield item;
      return script.changed?.result ?? { complete: {}, marks: {} };
    },
    async readByIds(requests) {
      asked.byIds.push(requests);
      return script.byIds?.(requests) ?? [];
    },
  };
  return { reader, asked };
}

it('saves the cursor after every page and resumes from it after a crash', async () => {
  const pages = (cursors: Partial<Record<EntityKind, string | null>>) =>
    cursors.company === 'c1'
      ? [page('company', [company('2')], null)]
      : [page('company', [company('1')], 'c1', { mark: 'm0' }), page('deal', [deal('9')], null, { mark: 'd0' }), page('company', [company('2')], null, { mark: 'm0' })];
  const crashing = scripted({ full: (input) => pages(input.cursors), failAfter: 2 });
  await expect(createInstallationSync({ reader: crashing.reader, storage, installationId }).full()).rejects.toThrow('connection lost');
  expect(await storage.syncState.getCursor(installationId, 'company')).toMatchObject({ position: 'c1', fullCompletedAt: null, modifiedSince: 'm0' });
  expect(await storage.syncState.getCursor(installationId, 'deal')).toMatchObject({ position: null, fullCompletedAt: expect.any(String), modifiedSince: 'd0' });

  const resumed = scripted({ full: (input) => pages(input.cursors) });
  const counts = await createInstallationSync({ reader: resumed.reader, storage, installationId }).full();
  // Deals were done: only companies and contacts are asked for, companies from their cursor.
  expect(resumed.asked.full).toEqual([{ company: 'c1', contact: null }]);
  expect(counts).toEqual({ company: 1, contact: 0, deal: 0 });
  expect(await storage.entities.count(installationId, 'company')).toBe(2);
  // A resumed stream keeps the mark it started with.
  expect(await storage.syncState.getCursor(installationId, 'company')).toMatchObject({ position: null, fullCompletedAt: expect.any(String), modifiedSince: 'm0' });
});

it('drains the dirty set: rows stored, missing ids and delete marks become tombstones, refused and unread ids stay', async () => {
  await storage.entities.upsertMany(installationId, 'company', [company('1'), company('2'), company('3')]);
  await storage.syncState.markDirty(installationId, [
    { kind: 'company', crmId: '1', action: 'upsert' },
    { kind: 'company', crmId: '2', action: 'delete' },
    { kind: 'company', crmId: '3', action: 'upsert' },
  ]);
  // A pass clears the marks made strictly before it began (one made in its first millisecond stays,
  // for a re-read rather than a lost change): begin this one in a later millisecond than the marks.
  const markedAt = Date.now();
  while (Date.now() <= markedAt) await new Promise((resolve) => setImmediate(resolve));
  const { reader } = scripted({
    byIds: ([request]) => [{ kind: 'company', rows: [], missing: request?.ids.includes('3') ? ['3'] : [], refused: request?.ids.includes('1') ? ['1'] : [], unread: [] }],
  });
  await createInstallationSync({ reader, storage, installationId }).incremental();
  expect((await storage.entities.get(installationId, 'company', '2'))?.deleted).toBe(true);
  expect((await storage.entities.get(installationId, 'company', '3'))?.deleted).toBe(true);
  // The refused id is neither read nor proven gone: its mark waits for the next pass.
  expect(await storage.syncState.peekDirty(installationId, 10)).toEqual([{ kind: 'company', crmId: '1', action: 'upsert' }]);
});

it('moves a kind\'s reconcile mark only when the connector read its whole changed set', async () => {
  for (const kind of ['company', 'deal'] as const) {
    await storage.syncState.saveCursor({ installationId, stream: kind, phase: 'incremental', position: null, fullCompletedAt: '2026-01-01T00:00:00Z', modifiedSince: 'old' });
  }
  const { reader, asked } = scripted({
    changed: { pages: [page('company', [company('5')], null), page('deal', [deal('6')], null)], result: { complete: { company: true, deal: false }, marks: { company: 'new', deal: 'new' } } },
  });
  const counts = await createInstallationSync({ reader, storage, installationId }).incremental();
  expect(asked.changed).toEqual([{ company: 'old', deal: 'old' }]);
  expect(counts).toEqual({ company: 1, contact: 0, deal: 1 });
  expect((await storage.syncState.getCursor(installationId, 'company'))?.modifiedSince).toBe('new');
  expect((await storage.syncState.getCursor(installationId, 'deal'))?.modifiedSince).toBe('old');
});
