import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SyncedCompany, SyncedDeal } from '../../../src/core/model/synced';
import type { AccountSnapshot } from '../../../src/core/ports/evaluation-store.port';
import type { Installation, InstallationInput, OAuthTokens } from '../../../src/core/ports/installation-store.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import type { Database } from '../../../src/storage/database';

/**
 * Opens the suite's database: the same database on every call (so a second call is a second
 * start of the app), under the suite's key unless another is given.
 */
export type StorageFactory = (options?: { encryptionKey?: Buffer }) => Promise<Storage>;

/** Runs `fn` on a raw connection to the suite's database, to inspect or tamper with rows. */
export type RawDatabaseAccess = <T>(fn: (db: Kysely<Database>) => Promise<T>) => Promise<T>;

export interface ContractContext {
  storage(): Storage;
  factory: StorageFactory;
  /** Absent when the adapter cannot give raw access; the tests that need it are skipped. */
  withRawDb: RawDatabaseAccess | undefined;
  installation(input?: Partial<InstallationInput>): Promise<Installation>;
}

export function tokens(tag: string, expiresAt = '2030-01-01T00:00:00.000Z'): OAuthTokens {
  return { accessToken: `access-${tag}-${randomUUID()}`, refreshToken: `refresh-${tag}-${randomUUID()}`, expiresAt, scope: 'crm' };
}

export function deal(crmId: string, overrides: Partial<SyncedDeal> = {}): SyncedDeal {
  return {
    crmId,
    title: `Deal ${crmId}`,
    companyId: '1',
    contactId: null,
    amount: 1000,
    currency: 'EUR',
    status: 'open',
    pipelineId: '0',
    stageId: 'NEW',
    ownerId: '7',
    createdAt: '2024-01-01T00:00:00Z',
    closedAt: null,
    modifiedAt: '2024-06-01T10:00:00Z',
    ...overrides,
  };
}

export function company(crmId: string, overrides: Partial<SyncedCompany> = {}): SyncedCompany {
  return {
    crmId,
    name: `Company ${crmId}`,
    industry: 'IT',
    ownerId: '7',
    fields: { potential3y: 250000, contractEnd: '2025-03-31' },
    createdAt: '2023-01-01T00:00:00Z',
    modifiedAt: '2024-06-01T10:00:00Z',
    ...overrides,
  };
}

/**
 * Resolves once the wall clock has moved past the millisecond it was called in, so the next
 * stored timestamp is strictly later than any taken before (waits on the tick, not a duration).
 */
export async function clockTick(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setImmediate(resolve));
}

/** Awaits a promise expected to reject and returns the rejection, failing the test otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the call to reject, but it resolved');
}

export function snapshot(accountId: string, asOf: string, tier: string, score = 50): AccountSnapshot {
  return {
    accountId,
    asOf,
    score,
    tier,
    previousTier: null,
    ruleVersion: 'r1',
    contributions: [{ criterion: 'potential3y', value: 250000, normalized: 0.8, points: 40, reason: 'high potential' }],
    kpis: { revenue12m: 120000.5, abc: 'A', byPeriod: { '2024-Q2': { revenue: 1 } } },
  };
}
