import type { PortfolioReport, ReportViewer } from './report-types';

/**
 * What a user may see of a report, as in the CRM: an admin everything, a manager only the
 * accounts they own (and so only their own rollup and risks). Portfolio-wide KPIs and tier
 * counts are kept: they are the team's figures, not any account's data.
 */
export function visibleTo<T extends { ownerId: string | null }>(rows: readonly T[], viewer: ReportViewer): T[] {
  return viewer.isAdmin ? [...rows] : rows.filter((row) => row.ownerId !== null && row.ownerId === viewer.userId);
}

export function reportVisibleTo(report: PortfolioReport, viewer: ReportViewer): PortfolioReport {
  if (viewer.isAdmin) return report;
  return {
    ...report,
    accounts: visibleTo(report.accounts, viewer),
    managers: visibleTo(report.managers, viewer),
    atRisk: visibleTo(report.atRisk, viewer),
  };
}
