import { calendarDatePart, toDay, type Day } from '../model/calendar-date';

/** Caps a rule's own config may set on top of the all-rules daily cap (potentialEstimate does). */
export interface RuleCapsConfig {
  /** New tasks of this rule per owner per day, counting earlier runs of the day. */
  maxPerOwnerPerDay?: number;
  /** Open tasks of this rule at most this share of the accounts (rounded down). */
  maxShareOfAccounts?: number;
}

interface CapLedgerEntry {
  dedupKey: string;
  ruleId: string;
  ownerId: string;
  createdAt: string;
  state: 'open' | 'closed';
}

export type RuleCapHit = 'rule-owner-cap' | 'rule-cap';

/**
 * Counts, per rule, the open tasks (less those this plan closes) and each owner's tasks created
 * today, and answers whether one more task would pass the rule's caps.
 */
export function createRuleCaps(args: {
  ledger: readonly CapLedgerEntry[];
  today: Day;
  closing: ReadonlySet<string>;
  accountCount: number;
  capsOf: (ruleId: string) => RuleCapsConfig;
}) {
  const open = new Map<string, number>();
  const today = new Map<string, number>();
  const ownerKey = (ruleId: string, ownerId: string): string => `${ruleId}\u0000${ownerId}`;
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
  for (const entry of args.ledger) {
    if (entry.state === 'open' && !args.closing.has(entry.dedupKey)) bump(open, entry.ruleId);
    const date = calendarDatePart(entry.createdAt);
    if (date !== null && toDay(date) === args.today) bump(today, ownerKey(entry.ruleId, entry.ownerId));
  }
  return {
    check(ruleId: string, ownerId: string): RuleCapHit | null {
      const caps = args.capsOf(ruleId);
      if (caps.maxPerOwnerPerDay !== undefined && (today.get(ownerKey(ruleId, ownerId)) ?? 0) >= caps.maxPerOwnerPerDay) return 'rule-owner-cap';
      if (caps.maxShareOfAccounts !== undefined && (open.get(ruleId) ?? 0) >= Math.floor(caps.maxShareOfAccounts * args.accountCount)) return 'rule-cap';
      return null;
    },
    /** Records a task the plan creates. */
    count(ruleId: string, ownerId: string): void {
      bump(open, ruleId);
      bump(today, ownerKey(ruleId, ownerId));
    },
  };
}
