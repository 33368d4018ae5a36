import type { PortfolioReport, RiskReason } from '../app/reports/report-types';
import type { PortfolioKpis } from '../core/kpi/kpi-pack';
import type { Period } from '../core/model/periods';
import { riskText } from '../app/reports/risk-text';
import { i18n as catalogue, type Lang } from '../core/i18n/messages';
import { CONTACT_ACCOUNT_PREFIX } from '../core/model/synced';
import type { CrmLinks } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import type { CrmLink, PersonRef, PortfolioView, RiskSignal } from './api-types';
import { rulesRef } from '../app/reports/rules-ref';

/**
 * The portfolio page's response from the portfolio report (src/app/reports): labels in the
 * reader's language (tiers, industry names, risk sentences from the shared catalogue), no
 * internal codes.
 */
export const RISK_KIND: Record<RiskReason['kind'], RiskSignal['kind']> = {
  revenueFalling: 'revenueDrop', lowSatisfaction: 'lowSatisfaction', contractEnding: 'contractEnding', noRecentWin: 'noRecentWin',
};

const isEmpty = (kpis: PortfolioKpis) => kpis.revenue === 0 && kpis.customersStart === 0 && kpis.customersEnd === 0 && kpis.lostCustomers === 0;

/**
 * The period picker's choices, newest first: the trend's periods without those before the
 * portfolio's first customer or revenue (a year picker offered 2018 to 2025 on three years of
 * data, and 2018 read as an all-zero report). The report's own period always stays.
 */
function pickablePeriods(report: PortfolioReport): Period[] {
  const first = report.trend.findIndex((row) => !isEmpty(row.kpis));
  const kept = first === -1 ? report.trend.slice(-1) : report.trend.slice(first);
  return kept.map((row) => row.period).reverse();
}

/** Where the page's rows open in the CRM: the connector's links for the caller's installation. */
export interface PortfolioLinks {
  links: CrmLinks;
  installation: Pick<Installation, 'domain' | 'clientEndpoint'>;
}

/** An account's card: a company, or a contact account (`contact:<id>`) as the contact's card. */
function accountLink(id: string, crm: PortfolioLinks | null): CrmLink | null {
  if (!crm) return null;
  const contact = id.startsWith(CONTACT_ACCOUNT_PREFIX);
  const crmId = contact ? id.slice(CONTACT_ACCOUNT_PREFIX.length) : id;
  return { entity: contact ? 'contact' : 'company', id: crmId, url: crm.links.card(crm.installation, contact ? 'contact' : 'company', crmId) };
}

/** `history`: the installation's settings history, to name the report's criteria by when they were saved. */
export function toPortfolioView(report: PortfolioReport, lang: Lang, crm: PortfolioLinks | null = null, history: Parameters<typeof rulesRef>[0] = []): PortfolioView {
  const texts = catalogue(lang);
  const granularity = report.granularity;
  // An owner the CRM's user list lacks is said to be unknown, as in the exports; an account without one has none.
  const person = (id: string | null, name: string | null): PersonRef | null =>
    name ? { id: id ?? '', name } : id ? { id, name: texts.t('account.ownerUnknown') } : null;
  const owners = new Map(report.accounts.map((row) => [row.id, person(row.ownerId, row.ownerName)]));
  return {
    period: { granularity, ...report.period },
    scope: report.scope ?? 'all',
    periods: pickablePeriods(report).map((period) => ({ granularity, ...period })),
    baseCurrency: report.baseCurrency,
    rules: rulesRef(history, report.ruleVersion, report.frozen?.frozenAt),
    frozen: report.frozen ? { at: report.frozen.frozenAt.slice(0, 10) } : null,
    kpis: report.kpis,
    trend: report.trend.map((row) => ({ period: { granularity, ...row.period }, kpis: row.kpis })),
    tiers: report.tiers.definitions.map((tier) => ({ id: tier.id, label: texts.tier(report.tiers.definitions, tier.id), minScore: tier.minScore })),
    distribution: report.tiers.distribution,
    movements: report.tiers.movements,
    accounts: report.accounts.map((row) => ({
      id: row.id, name: row.name, link: accountLink(row.id, crm), owner: person(row.ownerId, row.ownerName), tier: row.tier, score: row.score,
      scoreDelta: row.scoreChange, industry: row.industry ? texts.industry(row.industry) : null, abc: row.abc, xyz: row.xyz,
      revenue12m: row.revenue12m, growthYoY: row.growthYoY, ltv: row.ltv, margin: row.margin, romi: row.romi,
      contractEnd: row.contractEnd, openSteps: row.openSteps, overdueSteps: row.overdueSteps,
    })),
    // Every manager row, so the rows add up to the portfolio: the accounts without an owner are one row of their own.
    managers: report.managers
      .map((row) => ({ owner: person(row.ownerId, row.ownerName) ?? { id: '', name: texts.t('account.noOwner') }, byTier: row.byTier, revenue: row.revenue12m, retentionRate: row.retentionRate, openSteps: row.openSteps, overdueSteps: row.overdueSteps })),
    atRisk: report.atRisk.map((row) => ({
      accountId: row.id, name: row.name, tier: row.tier, owner: owners.get(row.id) ?? null, link: accountLink(row.id, crm),
      reasons: row.reasons.map((reason) => ({ kind: RISK_KIND[reason.kind], text: riskText(reason, texts) })),
    })),
  };
}
