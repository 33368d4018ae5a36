import type { AccountView as StoredAccountView } from '../app/account-view';
import type { Lang } from '../core/i18n/format-values';
import { i18n } from '../core/i18n/messages';
import { PAGE_MESSAGES } from '../core/i18n/messages.pages';
import { toDay } from '../core/model/calendar-date';
import { CONTACT_ACCOUNT_PREFIX } from '../core/model/synced';
import { GRANULARITIES, reportPeriods, toPeriod } from '../core/model/periods';
import type { AccountView, ScoreReason } from './api-types';
import { RISK_KIND } from './portfolio-view.mapper';
import { NEXT_STEP_RULES } from '../core/rules/next-step-rules';

/** A ledger's rule id (`contract-renewal`) -> the rule's key, for its name in the catalogue. */
const RULE_KEYS = new Map(NEXT_STEP_RULES.map((rule) => [rule.id, rule.key]));

/**
 * The card tab's response from the app's account view (src/app/account-view.ts): what the store
 * holds, in the page's shape (the deal, the industry by its catalogue name, contract end,
 * satisfaction, the steps' owners, won revenue per month, the deal's stage by name, risk signals
 * with their sentences, and where each thing opens in the CRM).
 */
export interface CriterionInfo {
  id: string;
  label: string;
}

interface StoredContribution {
  criterion: string;
  normalized: number;
  points: number;
  reason: string;
  reasons?: Partial<Record<Lang, string>>;
  source?: 'primary' | 'fallback' | 'missing';
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Our dedup marker in CRM texts is for us, never for a reader. */
const withoutMarker = (text: string) => text.replace(/\s*\[kam:[^\]]*\]/g, '').trim();

/**
 * The deal's stage by the CRM's name; a closed deal whose stage the stored pipelines lack (a
 * deleted stage, reference data not yet read) is still plainly won or lost, never "not set".
 */
function stageOf(deal: NonNullable<StoredAccountView['deal']>, lang: Lang): string | null {
  if (deal.stageName) return deal.stageName;
  return deal.status === 'open' ? null : PAGE_MESSAGES[lang].dealStatus[deal.status];
}

/** `crmLang`: the installation's language, the one CRM texts (to-dos) were written in; default `lang`. */
export function toAccountPageView(
  view: StoredAccountView,
  args: { lang: Lang; crmLang?: Lang; today: string; criteria: CriterionInfo[]; tiers: Array<{ id: string; minScore: number }> },
): AccountView {
  const { lang, today, criteria } = args;
  const ruleNames = PAGE_MESSAGES[lang].ruleName;
  const snapshot = view.snapshot;
  const kpis = (snapshot?.kpis ?? {}) as Record<string, unknown>;
  const tiers = args.tiers.map((tier) => ({ id: tier.id, minScore: tier.minScore, label: view.tierLabels[tier.id]?.[lang] ?? tier.id }));
  const reasons: ScoreReason[] = ((snapshot?.contributions ?? []) as StoredContribution[]).map((c) => ({
    criterion: c.criterion,
    label: criteria.find((criterion) => criterion.id === c.criterion)?.label ?? '',
    points: c.points,
    // points = maxPoints x normalized, so the bar is known wherever the criterion scored.
    maxPoints: c.normalized > 0 ? Math.round((100 * c.points) / c.normalized) / 100 : null,
    achievement: c.normalized,
    text: c.reasons?.[lang] ?? c.reason,
    source: c.source ?? 'primary',
  }));
  const rank = snapshot ? tiers.findIndex((tier) => tier.id === snapshot.tier) : -1;
  const nextTier = rank > 0 ? tiers[rank - 1] : undefined;
  const periodKpis = (kpis.periods ?? kpis.kpis ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const asOf = snapshot?.asOf ?? null;
  return {
    asOf: asOf ?? '',
    baseCurrency: view.baseCurrency,
    ruleVersion: snapshot?.ruleVersion ?? null,
    syncing: view.syncing,
    blocked: view.blocked !== null,
    account: view.companyName === null && !snapshot ? null : {
      id: view.accountId ?? '', name: view.companyName ?? '', industry: view.industryCode ? i18n(lang).industry(view.industryCode) : null,
      owner: view.ownerName ? { id: '', name: view.ownerName } : null,
      link: view.links.account && view.accountId ? { entity: view.accountId.startsWith(CONTACT_ACCOUNT_PREFIX) ? 'contact' : 'company', id: view.accountId, url: view.links.account } : null,
      contractEnd: view.contractEnd, satisfaction: view.satisfaction,
    },
    deal: view.deal ? {
      id: view.deal.id, title: withoutMarker(view.deal.title), stage: stageOf(view.deal, lang), status: view.deal.status, amount: view.deal.amount, currency: view.deal.currency,
      closeDate: view.deal.closedAt?.slice(0, 10) ?? null, link: view.links.deal ? { entity: 'deal', id: view.deal.id, url: view.links.deal } : null,
    } : null,
    tiers,
    evaluation: snapshot ? {
      tier: snapshot.tier,
      score: snapshot.score,
      pointsToNextTier: num(kpis.pointsToNextTier) ?? (nextTier ? Math.max(0, Math.round((nextTier.minScore - snapshot.score) * 100) / 100) : null),
      nextTier: nextTier?.id ?? null,
      abc: (kpis.abc as 'A' | 'B' | 'C' | undefined) ?? null,
      xyz: (kpis.xyz as 'X' | 'Y' | 'Z' | null | undefined) ?? null,
      reasons,
    } : null,
    revenueByMonth: view.revenueByMonth.map((m) => ({ period: { granularity: 'month', start: m.start, end: m.end }, revenue: m.revenue })),
    scoreHistory: view.history.map((change) => ({ at: change.asOf, score: change.score, tier: change.tier, ruleVersion: change.ruleVersion })),
    kpis: asOf ? GRANULARITIES.filter((g) => periodKpis[g]).map((g) => {
      const row = periodKpis[g] ?? {};
      return {
        period: { granularity: g, ...toPeriod(reportPeriods(g, toDay(asOf)).current) },
        revenue: num(row.revenue) ?? 0, previousRevenue: num(row.previousRevenue) ?? 0, growth: num(row.growth),
        wonDeals: num(row.wonDeals) ?? 0, winRate: num(row.winRate),
      };
    }) : [],
    nextSteps: view.openSteps.map((step, index) => ({
      // A position, not our ledger's dedup key: the page needs a list key, not our internals.
      id: String(index + 1), title: withoutMarker(step.title), titleLang: args.crmLang ?? lang,
      kind: RULE_KEYS.has(step.ruleId) ? ruleNames[RULE_KEYS.get(step.ruleId) as keyof typeof ruleNames] : null,
      due: step.dueDate, overdue: !!step.dueDate && step.dueDate < today,
      owner: step.ownerId && view.userNames[step.ownerId] ? { id: step.ownerId, name: view.userNames[step.ownerId] ?? '' } : null,
      link: step.crmTaskId ? { entity: 'task', id: step.crmTaskId, url: view.links.steps[step.dedupKey] ?? null } : null,
    })),
    risks: view.risks.map((risk) => ({ kind: RISK_KIND[risk.kind], text: risk.text })),
  };
}
