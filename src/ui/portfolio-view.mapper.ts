import type { PortfolioReport, RiskReason } from '../app/reports/report-types';
import { riskText } from '../app/reports/risk-text';
import { i18n as catalogue, type Lang } from '../core/i18n/messages';
import type { PersonRef, PortfolioView, RiskSignal } from './api-types';

/**
 * The portfolio page's response from the portfolio report (src/app/reports): labels in the
 * reader's language (tiers, industry names, risk sentences from the shared catalogue), no
 * internal codes.
 */
export const RISK_KIND: Record<RiskReason['kind'], RiskSignal['kind']> = {
  revenueFalling: 'revenueDrop', lowSatisfaction: 'lowSatisfaction', contractEnding: 'contractEnding', noRecentWin: 'noRecentWin',
};

export function toPortfolioView(report: PortfolioReport, lang: Lang): PortfolioView {
  const texts = catalogue(lang);
  const granularity = report.granularity;
  const person = (id: string | null, name: string | null): PersonRef | null => (name ? { id: id ?? '', name } : null);
  const owners = new Map(report.accounts.map((row) => [row.id, person(row.ownerId, row.ownerName)]));
  return {
    period: { granularity, ...report.period },
    periods: [...report.trend].reverse().map((row) => ({ granularity, ...row.period })),
    baseCurrency: report.baseCurrency,
    ruleVersion: report.ruleVersion,
    frozen: report.frozen ? { at: report.frozen.frozenAt.slice(0, 10), ruleVersion: report.ruleVersion } : null,
    kpis: report.kpis,
    trend: report.trend.map((row) => ({ period: { granularity, ...row.period }, kpis: row.kpis })),
    tiers: report.tiers.definitions.map((tier) => ({ id: tier.id, label: tier.label?.[lang] ?? tier.label?.ru ?? tier.label?.en ?? tier.id, minScore: tier.minScore })),
    distribution: report.tiers.distribution,
    movements: report.tiers.movements,
    accounts: report.accounts.map((row) => ({
      id: row.id, name: row.name, link: null, owner: person(row.ownerId, row.ownerName), tier: row.tier, score: row.score,
      scoreDelta: row.scoreChange, industry: row.industry ? texts.industry(row.industry) : null, abc: row.abc, xyz: row.xyz,
      revenue12m: row.revenue12m, growthYoY: row.growthYoY, ltv: row.ltv, margin: row.margin, romi: row.romi,
      contractEnd: row.contractEnd, openSteps: row.openSteps, overdueSteps: row.overdueSteps,
    })),
    managers: report.managers
      .filter((row) => row.ownerName)
      .map((row) => ({ owner: { id: row.ownerId ?? '', name: row.ownerName ?? '' }, byTier: row.byTier, revenue: row.revenue12m, retentionRate: row.retentionRate, openSteps: row.openSteps, overdueSteps: row.overdueSteps })),
    atRisk: report.atRisk.map((row) => ({
      accountId: row.id, name: row.name, tier: row.tier, owner: owners.get(row.id) ?? null, link: null,
      reasons: row.reasons.map((reason) => ({ kind: RISK_KIND[reason.kind], text: riskText(reason, texts) })),
    })),
  };
}
