import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES, type PortfolioSnapshot, type SnapshotAccount, type SnapshotDeal } from '../../../src/core/engine';

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

/** What a portfolio report needs besides its period and snapshot: default criteria and rules, no steps or users, 27 Nov 2026. */
export const REPORT_DEFAULTS = {
  criteria: DEFAULT_CRITERIA,
  rules: DEFAULT_NEXT_STEP_RULES,
  openSteps: [],
  users: new Map<string, string>(),
  today: '2026-11-27',
  generatedAt: '2026-11-27T10:00:00.000Z',
};
