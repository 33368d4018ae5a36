import type { I18n, MessageKey } from '../../../core/i18n/messages';
import type { PortfolioKpis } from '../../../core/kpi/kpi-pack';
import type { Period } from '../../../core/model/periods';
import { CONTACT_ACCOUNT_PREFIX } from '../../../core/model/synced';
import type { PortfolioReport, ReportAccountRow } from '../report-types';

/**
 * The columns of the exports, one definition for XLSX and CSV so both carry the same content.
 * A cell is a number (never a formatted string), a calendar date `YYYY-MM-DD`, text, or empty.
 */
export type CellKind = 'money' | 'percent' | 'score' | 'integer' | 'decimal' | 'date' | 'text';
export type CellValue = number | string | null;

export interface Column<Row> {
  header: MessageKey;
  kind: CellKind;
  /** Width in characters for the XLSX sheet. */
  width: number;
  value(row: Row, context: ColumnContext): CellValue;
}

export interface ColumnContext {
  i18n: I18n;
  report: PortfolioReport;
}

/** An owner by name; one the CRM's user list lacks is said to be unknown, never shown by their CRM id. */
export const ownerText = (ownerId: string | null, ownerName: string | null, { i18n }: ColumnContext): string =>
  ownerName ?? i18n.t(ownerId === null ? 'account.noOwner' : 'account.ownerUnknown');

/** An account's id as the CRM shows it: a contact account's without our `contact:` prefix (the name beside it says which it is). */
export const crmIdOf = (id: string): string => (id.startsWith(CONTACT_ACCOUNT_PREFIX) ? id.slice(CONTACT_ACCOUNT_PREFIX.length) : id);

const tierLabel = (id: string | null, { i18n, report }: ColumnContext): string | null => (id === null ? null : i18n.tier(report.tiers.definitions, id));

export const ACCOUNT_COLUMNS: ReadonlyArray<Column<ReportAccountRow>> = [
  { header: 'account.name', kind: 'text', width: 34, value: (r) => r.name },
  { header: 'account.id', kind: 'text', width: 12, value: (r) => crmIdOf(r.id) },
  { header: 'account.owner', kind: 'text', width: 22, value: (r, c) => ownerText(r.ownerId, r.ownerName, c) },
  { header: 'account.industry', kind: 'text', width: 22, value: (r, c) => (r.industry === null ? null : c.i18n.industry(r.industry)) },
  { header: 'account.tier', kind: 'text', width: 16, value: (r, c) => tierLabel(r.tier, c) },
  { header: 'account.previousTier', kind: 'text', width: 16, value: (r, c) => tierLabel(r.previousTier, c) },
  { header: 'account.score', kind: 'score', width: 9, value: (r) => r.score },
  { header: 'account.scoreChange', kind: 'score', width: 10, value: (r) => r.scoreChange },
  { header: 'account.revenue', kind: 'money', width: 16, value: (r) => r.revenue },
  { header: 'account.previousRevenue', kind: 'money', width: 16, value: (r) => r.previousRevenue },
  { header: 'account.growth', kind: 'percent', width: 11, value: (r) => r.growth },
  { header: 'account.revenue12m', kind: 'money', width: 16, value: (r) => r.revenue12m },
  { header: 'account.growthYoY', kind: 'percent', width: 11, value: (r) => r.growthYoY },
  { header: 'account.ltv', kind: 'money', width: 16, value: (r) => r.ltv },
  { header: 'account.margin', kind: 'percent', width: 9, value: (r) => r.margin },
  { header: 'account.romi', kind: 'percent', width: 11, value: (r) => r.romi },
  { header: 'account.abc', kind: 'text', width: 6, value: (r) => r.abc },
  { header: 'account.xyz', kind: 'text', width: 6, value: (r) => r.xyz },
  { header: 'account.contractEnd', kind: 'date', width: 13, value: (r) => r.contractEnd },
  { header: 'account.satisfaction', kind: 'decimal', width: 10, value: (r) => r.satisfaction },
  { header: 'account.daysSinceLastWon', kind: 'integer', width: 10, value: (r) => r.daysSinceLastWon },
  { header: 'account.openSteps', kind: 'integer', width: 9, value: (r) => r.openSteps },
  { header: 'account.overdueSteps', kind: 'integer', width: 9, value: (r) => r.overdueSteps },
];

export interface PeriodRow {
  period: Period;
  kpis: PortfolioKpis;
}

export const PORTFOLIO_COLUMNS: ReadonlyArray<Column<PeriodRow>> = [
  { header: 'kpi.period', kind: 'text', width: 14, value: (r, c) => c.i18n.fmt.period(c.report.granularity, r.period.start) },
  { header: 'kpi.revenue', kind: 'money', width: 18, value: (r) => r.kpis.revenue },
  { header: 'kpi.customersStart', kind: 'integer', width: 12, value: (r) => r.kpis.customersStart },
  { header: 'kpi.customersEnd', kind: 'integer', width: 12, value: (r) => r.kpis.customersEnd },
  { header: 'kpi.newCustomers', kind: 'integer', width: 12, value: (r) => r.kpis.newCustomers },
  { header: 'kpi.lostCustomers', kind: 'integer', width: 10, value: (r) => r.kpis.lostCustomers },
  { header: 'kpi.retentionRate', kind: 'percent', width: 11, value: (r) => r.kpis.retentionRate },
  { header: 'kpi.churnRate', kind: 'percent', width: 11, value: (r) => r.kpis.churnRate },
  { header: 'kpi.nrr', kind: 'percent', width: 10, value: (r) => r.kpis.nrr },
  { header: 'kpi.grr', kind: 'percent', width: 10, value: (r) => r.kpis.grr },
];

export interface MovementRow {
  from: string | null;
  to: string;
  count: number;
}

export const MOVEMENT_COLUMNS: ReadonlyArray<Column<MovementRow>> = [
  { header: 'movement.from', kind: 'text', width: 20, value: (r, c) => (r.from === null ? c.i18n.t('common.newAccount') : tierLabel(r.from, c)) },
  { header: 'movement.to', kind: 'text', width: 20, value: (r, c) => tierLabel(r.to, c) },
  { header: 'movement.count', kind: 'integer', width: 12, value: (r) => r.count },
];

export function headers<Row>(columns: ReadonlyArray<Column<Row>>, i18n: I18n): string[] {
  return columns.map((column) => i18n.t(column.header) as string);
}

export function cells<Row>(columns: ReadonlyArray<Column<Row>>, row: Row, context: ColumnContext): CellValue[] {
  return columns.map((column) => column.value(row, context));
}
