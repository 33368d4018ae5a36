import type { Kysely } from 'kysely';
import { fillCompanyIds } from '../../../src/storage/migrations/0005-entities-by-company';
import { company, deal, rejection, type ContractContext } from './contract-context';

export function entityStoreContract(ctx: ContractContext): void {
  const store = () => ctx.storage().entities;
  const newInstallationId = async () => (await ctx.installation()).id;

  it('inserts, reads back, and counts unchanged re-upserts', async () => {
    const id = await newInstallationId();
    const rows = [deal('1'), deal('2', { amount: 12.5, closedAt: '2024-05-01T00:00:00Z', status: 'won' })];
    expect(await store().upsertMany(id, 'deal', rows)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const stored = await store().get(id, 'deal', '2');
    expect(stored).toMatchObject({ kind: 'deal', data: rows[1], deleted: false });
    expect(typeof stored?.syncedAt).toBe('string');
    expect(await store().upsertMany(id, 'deal', rows)).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await store().get(id, 'deal', 'missing')).toBeNull();
    expect(await store().upsertMany(id, 'deal', [])).toEqual({ inserted: 0, updated: 0, unchanged: 0 });
  });

  it('never lets an older modifiedAt overwrite a newer row, comparing instants not strings', async () => {
    const id = await newInstallationId();
    await store().upsertMany(id, 'deal', [deal('1', { amount: 100, modifiedAt: '2024-06-01T10:00:00Z' })]);
    // 12:00+03:00 is 09:00Z: older, although it sorts after as a string.
    const older = await store().upsertMany(id, 'deal', [deal('1', { amount: 1, modifiedAt: '2024-06-01T12:00:00+03:00' })]);
    expect(older).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await store().get(id, 'deal', '1'))?.data.amount).toBe(100);

    const sameTime = await store().upsertMany(id, 'deal', [deal('1', { amount: 200, modifiedAt: '2024-06-01T13:00:00+03:00' })]);
    expect(sameTime).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const newer = await store().upsertMany(id, 'deal', [deal('1', { amount: 300, modifiedAt: '2024-06-02T00:00:00Z' })]);
    expect(newer.updated).toBe(1);
    const unknownTime = await store().upsertMany(id, 'deal', [deal('1', { amount: 400, modifiedAt: null })]);
    expect(unknownTime.updated).toBe(1);
    expect((await store().get(id, 'deal', '1'))?.data.amount).toBe(400);
  });

  it('keeps the newest copy when one call carries an entity twice', async () => {
    const id = await newInstallationId();
    const outcome = await store().upsertMany(id, 'deal', [
      deal('1', { amount: 2, modifiedAt: '2024-06-02T00:00:00Z' }),
      deal('1', { amount: 1, modifiedAt: '2024-06-01T00:00:00Z' }),
    ]);
    expect(outcome).toEqual({ inserted: 1, updated: 0, unchanged: 1 });
    expect((await store().get(id, 'deal', '1'))?.data.amount).toBe(2);
  });

  it('upserts 5,000 rows in one call and tells updated from unchanged', async () => {
    const id = await newInstallationId();
    const rows = Array.from({ length: 5000 }, (_, i) => deal(String(i + 1)));
    expect(await store().upsertMany(id, 'deal', rows)).toEqual({ inserted: 5000, updated: 0, unchanged: 0 });
    expect(await store().count(id, 'deal')).toBe(5000);
    const half = rows.map((r, i) => (i % 2 === 0 ? { ...r, amount: 9, modifiedAt: '2024-07-01T00:00:00Z' } : r));
    expect(await store().upsertMany(id, 'deal', half)).toEqual({ inserted: 0, updated: 2500, unchanged: 2500 });
    expect(await store().maxModifiedAt(id, 'deal')).toBe('2024-07-01T00:00:00Z');
  });

  it('soft-deletes: hidden from iterate and count, kept for get, not resurrected by a stale copy', async () => {
    const id = await newInstallationId();
    await store().upsertMany(id, 'deal', [deal('1'), deal('2'), deal('3')]);
    expect(await store().markDeleted(id, 'deal', ['1', '2', 'never-stored'])).toBe(2);
    expect(await store().markDeleted(id, 'deal', ['1'])).toBe(0);
    expect(await store().markDeleted(id, 'deal', [])).toBe(0);
    expect((await store().get(id, 'deal', '1'))?.deleted).toBe(true);
    expect(await store().count(id, 'deal')).toBe(1);
    expect(await store().count(id, 'deal', { includeDeleted: true })).toBe(3);

    expect((await store().upsertMany(id, 'deal', [deal('1', { amount: 5 })])).unchanged).toBe(1);
    expect((await store().get(id, 'deal', '1'))?.deleted).toBe(true);
    // A strictly newer copy means the CRM restored it.
    expect((await store().upsertMany(id, 'deal', [deal('2', { modifiedAt: '2024-09-01T00:00:00Z' })])).updated).toBe(1);
    expect((await store().get(id, 'deal', '2'))?.deleted).toBe(false);
  });

  it('iterates live rows in keyset pages, each once', async () => {
    const id = await newInstallationId();
    await store().upsertMany(id, 'company', Array.from({ length: 1205 }, (_, i) => company(`c${String(i).padStart(5, '0')}`)));
    await store().markDeleted(id, 'company', ['c00000', 'c01204']);
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of store().iterate(id, 'company', 500)) {
      pages.push(page.length);
      seen.push(...page.map((c) => c.crmId));
    }
    expect(pages).toEqual([500, 500, 203]);
    expect(new Set(seen).size).toBe(1203);
    expect(seen).toEqual([...seen].sort());
    expect(seen).not.toContain('c00000');

    const empty: unknown[] = [];
    for await (const page of store().iterate(id, 'deal')) empty.push(page);
    expect(empty).toEqual([]);
  });

  it('keeps kinds apart and reports the newest modifiedAt as the CRM wrote it', async () => {
    const id = await newInstallationId();
    expect(await store().maxModifiedAt(id, 'company')).toBeNull();
    await store().upsertMany(id, 'company', [
      company('1', { modifiedAt: '2024-06-01T23:00:00+03:00' }),
      company('2', { modifiedAt: '2024-06-01T21:00:00Z' }),
      company('3', { modifiedAt: null }),
    ]);
    await store().upsertMany(id, 'deal', [deal('1', { modifiedAt: '2030-01-01T00:00:00Z' })]);
    expect(await store().maxModifiedAt(id, 'company')).toBe('2024-06-01T21:00:00Z');
    expect((await store().get(id, 'company', '1'))?.data.name).toBe('Company 1');
    expect((await store().get(id, 'deal', '1'))?.data.title).toBe('Deal 1');
    expect(await store().count(id, 'contact')).toBe(0);
  });

  it('rejects an unparsable modifiedAt with INPUT_INVALID and writes nothing of the call', async () => {
    const id = await newInstallationId();
    const error = await rejection(store().upsertMany(id, 'deal', [deal('1'), deal('2', { modifiedAt: 'yesterday' })]));
    expect(error.code).toBe('INPUT_INVALID');
    expect(await store().count(id, 'deal')).toBe(0);
  });

  it('lists one company\'s live deals and contacts, following a deal that moves to another company', async () => {
    const id = await newInstallationId();
    const other = await newInstallationId();
    await store().upsertMany(id, 'deal', [deal('3', { companyId: '10' }), deal('1', { companyId: '10' }), deal('2', { companyId: '20' }), deal('4', { companyId: null }), deal('5', { companyId: '10' })]);
    await store().upsertMany(id, 'contact', [{ crmId: '7', name: 'Anna', companyId: '10', ownerId: null, createdAt: null, modifiedAt: null }]);
    await store().upsertMany(other, 'deal', [deal('9', { companyId: '10' })]);
    await store().markDeleted(id, 'deal', ['5']);
    expect((await store().listByCompany(id, 'deal', '10')).map((d) => d.crmId)).toEqual(['1', '3']);
    expect((await store().listByCompany(id, 'contact', '10')).map((c) => c.name)).toEqual(['Anna']);
    expect(await store().listByCompany(id, 'deal', 'none')).toEqual([]);

    await store().upsertMany(id, 'deal', [deal('3', { companyId: '20', modifiedAt: '2024-07-01T00:00:00Z' })]);
    expect((await store().listByCompany(id, 'deal', '10')).map((d) => d.crmId)).toEqual(['1']);
    expect((await store().listByCompany(id, 'deal', '20')).map((d) => d.crmId)).toEqual(['2', '3']);
  });

  it('fills the company of deals stored before the by-company index existed (migration 0005)', async () => {
    if (!ctx.withRawDb) return;
    const id = await newInstallationId();
    await store().upsertMany(id, 'deal', [deal('1', { companyId: '10' }), deal('2', { companyId: null })]);
    await ctx.withRawDb(async (db) => {
      // As a row written by an older version: the column empty, the JSON carrying the company.
      await db.updateTable('entities').set({ company_id: null }).where('installation_id', '=', id).execute();
      expect(await store().listByCompany(id, 'deal', '10')).toEqual([]);
      await fillCompanyIds(db as unknown as Kysely<unknown>);
    });
    expect((await store().listByCompany(id, 'deal', '10')).map((d) => d.crmId)).toEqual(['1']);
  });
}
