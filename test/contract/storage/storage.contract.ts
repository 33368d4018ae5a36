import { randomUUID } from 'node:crypto';
import type { Storage } from '../../../src/core/ports/storage.port';
import type { ContractContext, RawDatabaseAccess, StorageFactory } from './contract-context';
import { entityStoreContract } from './entity-store.contract';
import { evaluationStoreContract } from './evaluation-store.contract';
import { installationStoreContract } from './installation-store.contract';
import { isolationContract } from './isolation.contract';
import { leaseStoreContract } from './lease-store.contract';
import { frameCheckStoreContract } from './frame-check-store.contract';
import { rateBucketStoreContract } from './rate-bucket-store.contract';
import { lifecycleContract } from './lifecycle.contract';
import { settingsHistoryContract } from './settings-history.contract';
import { periodReportStoreContract } from './period-report-store.contract';
import { syncStateStoreContract } from './sync-state-store.contract';
import { taskLedgerContract } from './task-ledger.contract';
import { writeStateStoreContract } from './write-state-store.contract';

export type { RawDatabaseAccess, StorageFactory } from './contract-context';

/**
 * The one battery every Storage adapter runs (STYLE.md rule 2). Each port has its own
 * section; tests make their own installations, so they share one database per suite and still
 * never see each other's rows.
 */
export function describeStorageContract(
  name: string,
  factory: StorageFactory,
  teardown?: () => Promise<void>,
  withRawDb?: RawDatabaseAccess,
): void {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage | undefined;

    beforeAll(async () => {
      storage = await factory();
    });
    afterAll(async () => {
      await storage?.close();
      await teardown?.();
    });

    const ctx: ContractContext = {
      factory,
      withRawDb,
      storage() {
        if (!storage) throw new Error('storage did not open');
        return storage;
      },
      installation(input = {}) {
        return ctx.storage().installations.upsert({
          crm: 'bitrix24',
          externalId: `member-${randomUUID()}`,
          domain: 'example.bitrix24.com',
          ...input,
        });
      },
    };

    describe('installations', () => installationStoreContract(ctx));
    describe('entities', () => entityStoreContract(ctx));
    describe('sync state', () => syncStateStoreContract(ctx));
    describe('evaluations', () => evaluationStoreContract(ctx));
    describe('task ledger', () => taskLedgerContract(ctx));
    describe('write state', () => writeStateStoreContract(ctx));
    describe('settings history', () => settingsHistoryContract(ctx));
    describe('frozen period reports and live links', () => periodReportStoreContract(ctx));
    describe('leases', () => leaseStoreContract(ctx));
    describe('frame checks', () => frameCheckStoreContract(ctx));
    describe('shared rate budgets', () => rateBucketStoreContract(ctx));
    describe('installation isolation and purge', () => isolationContract(ctx));
    describe('encryption at rest and migrations', () => lifecycleContract(ctx));
  });
}
