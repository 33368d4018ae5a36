import { KamError } from '../../core/errors';
import { tierSummary } from './build-portfolio-report';
import type { PortfolioReport, ReportViewer } from './report-types';

/**
 * What a user may see of a report, as in the CRM: an admin everything, a manager only the
 * accounts they own, and every figure computed over those accounts alone (a manager's page
 * showed the KPIs and tiers of all 300 accounts beside their own 49).
 */
export function visibleTo<T extends { ownerId: string | null }>(rows: readonly T[], viewer: ReportViewer): T[] {
  return viewer.isAdmin ? [...rows] : rows.filter((row) => row.ownerId !== null && row.ownerId === viewer.userId);
}

/** The account ids a viewer owns in a report (none for an administrator's "all"). */
export const ownAccountIds = (report: PortfolioReport, viewer: ReportViewer): Set<string> => new Set(visibleTo(report.accounts, viewer).map((row) => row.id));

/**
 * The report cut to the viewer. For a manager `ownTrend` is the portfolio trend over their own
 * accounts (build-portfolio-report.ts portfolioTrend on the snapshot cut to them): the KPIs of P
 * are its last period; tiers and moves are counted over their rows.
 */
export function reportVisibleTo(report: PortfolioReport, viewer: ReportViewer, ownTrend: PortfolioReport['trend']): PortfolioReport {
  if (viewer.isAdmin) return report;
  const accounts = visibleTo(report.accounts, viewer);
  const last = ownTrend[ownTrend.length - 1];
  if (!last) throw new KamError('INTERNAL', 'reportVisibleTo: the own trend holds no period');
  return {
    ...report,
    scope: 'own',
    kpis: last.kpis,
    trend: ownTrend,
    tiers: tierSummary(accounts, report.tiers.definitions, report.tiers.previousRuleVersion, report.tiers.ruleVersion),
    accounts,
    managers: visibleTo(report.managers, viewer),
    atRisk: visibleTo(report.atRisk, viewer),
  };
}
