import { z } from 'zod';
import { ok, fail, type KamError, type Result } from '../errors';
import { calendarDatePart } from './calendar-date';
import { fromZodIssues, inputError, type InputIssue } from './input-issues';
import type { PortfolioSnapshot } from './snapshot';

/** A date or ISO datetime, normalised to its `YYYY-MM-DD` part as written. */
export const calendarDate = z.string().transform((text, ctx) => {
  const date = calendarDatePart(text);
  if (date === null) {
    ctx.addIssue({ code: 'custom', message: `expected date YYYY-MM-DD, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return date;
});

const id = z.string().min(1);

const snapshotSchema = z.object({
  baseCurrency: z.string().min(1),
  asOf: calendarDate,
  fxRates: z.array(z.object({ currency: z.string().min(1), date: calendarDate, rate: z.number().positive() })).default([]),
  accounts: z.array(
    z.object({
      id,
      name: z.string().optional(),
      industry: z.string().nullable().optional(),
      ownerId: z.string().nullable().optional(),
      fields: z.record(z.string(), z.unknown()).default({}),
      previousTier: z.string().nullable().optional(),
    }),
  ),
  deals: z.array(
    z.object({
      id,
      title: z.string().nullable().optional(),
      accountId: id,
      // Refunds and credit notes are separate documents in both CRMs; a negative deal would
      // break GRR <= 1, so it is rejected rather than guessed at.
      amount: z.number().min(0),
      currency: z.string().min(1),
      status: z.enum(['open', 'won', 'lost']),
      createdAt: calendarDate,
      closedAt: calendarDate.nullable().optional(),
      pipelineId: z.string().nullable().optional(),
      ownerId: z.string().nullable().optional(),
    }),
  ),
});

/** Checks zod cannot express per item: uniqueness, cross references, FX coverage. */
function crossCheck(snapshot: PortfolioSnapshot): InputIssue[] {
  const issues: InputIssue[] = [];
  const accountIds = new Set<string>();
  snapshot.accounts.forEach((account, i) => {
    if (accountIds.has(account.id)) issues.push({ path: `accounts[${i}].id`, message: `duplicate account id ${JSON.stringify(account.id)}` });
    accountIds.add(account.id);
  });
  const ratedCurrencies = new Set<string>([snapshot.baseCurrency]);
  const rateDates = new Set<string>();
  snapshot.fxRates.forEach((fx, i) => {
    if (fx.currency === snapshot.baseCurrency && fx.rate !== 1) {
      issues.push({ path: `fxRates[${i}].rate`, message: `the base currency ${fx.currency} always has rate 1` });
    }
    const key = `${fx.currency} ${fx.date}`;
    if (rateDates.has(key)) issues.push({ path: `fxRates[${i}]`, message: `duplicate rate for ${fx.currency} on ${fx.date}` });
    rateDates.add(key);
    ratedCurrencies.add(fx.currency);
  });
  const dealIds = new Set<string>();
  snapshot.deals.forEach((deal, i) => {
    if (dealIds.has(deal.id)) issues.push({ path: `deals[${i}].id`, message: `duplicate deal id ${JSON.stringify(deal.id)}` });
    dealIds.add(deal.id);
    if (deal.status !== 'open' && (deal.closedAt === undefined || deal.closedAt === null)) {
      issues.push({ path: `deals[${i}].closedAt`, message: `required for ${deal.status} deals` });
    }
    if (!ratedCurrencies.has(deal.currency)) {
      issues.push({ path: `deals[${i}].currency`, message: `no FX rate for currency ${deal.currency} (base ${snapshot.baseCurrency})` });
    }
  });
  return issues;
}

/**
 * Validates a portfolio snapshot (spec section 1). Every fault is named by its JSON path; the
 * result is all-or-nothing, so nothing is ever half-evaluated. Unknown keys are ignored.
 */
export function parseSnapshot(json: unknown): Result<PortfolioSnapshot, KamError> {
  const parsed = snapshotSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) return fail(inputError('snapshot', fromZodIssues(parsed.error.issues)));
  const snapshot: PortfolioSnapshot = parsed.data;
  const issues = crossCheck(snapshot);
  return issues.length > 0 ? fail(inputError('snapshot', issues)) : ok(snapshot);
}
