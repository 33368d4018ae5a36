import type { PortfolioSnapshot, SnapshotAccount, SnapshotDeal } from '../../../src/core/engine';

let dealSeq = 0;

/** A won deal (created 10 days before it closed unless given). */
export function won(accountId: string, closedAt: string, amount: number, extra: Partial<SnapshotDeal> = {}): SnapshotDeal {
  dealSeq += 1;
  return { id: `w${dealSeq}`, accountId, amount, currency: 'RUB', status: 'won', createdAt: closedAt, closedAt, ...extra };
}

export function lost(accountId: string, closedAt: string, extra: Partial<SnapshotDeal> = {}): SnapshotDeal {
  dealSeq += 1;
  return { id: `l${dealSeq}`, accountId, amount: 1000, currency: 'RUB', status: 'lost', createdAt: closedAt, closedAt, ...extra };
}

export function account(id: string, extra: Partial<SnapshotAccount> = {}): SnapshotAccount {
  return { id, name: `Account ${id}`, ownerId: '7', fields: {}, ...extra };
}

export function snapshot(parts: Partial<PortfolioSnapshot> & Pick<PortfolioSnapshot, 'accounts' | 'deals'>): PortfolioSnapshot {
  return { baseCurrency: 'RUB', asOf: '2026-10-31', fxRates: [], ...parts };
}
