import type { I18n } from '../core/i18n/messages';
import type { PortfolioKpis } from '../core/kpi/kpi-pack';
import type { Granularity, Period } from '../core/model/periods';
import { textTable } from './text-table';

/** The portfolio KPIs of each report period as printed by `kam evaluate` and `kam demo`: one column per period, labelled. */
export function portfolioKpiLines(i18n: I18n, columns: ReadonlyArray<{ granularity: Granularity; period: Period; kpis: PortfolioKpis }>, currency: string): string[] {
  const { t, fmt } = i18n;
  const row = (label: string, cell: (k: PortfolioKpis) => string) => [label, ...columns.map((c) => cell(c.kpis))];
  return textTable(
    [
      [t('kpi.period'), ...columns.map((c) => `${t(`granularity.${c.granularity}`)} ${fmt.period(c.granularity, c.period.start)}`)],
      row(t('kpi.revenue'), (k) => fmt.money(k.revenue, currency)),
      row(t('kpi.customersStart'), (k) => fmt.number(k.customersStart)),
      row(t('kpi.customersEnd'), (k) => fmt.number(k.customersEnd)),
      row(t('kpi.newCustomers'), (k) => fmt.number(k.newCustomers)),
      row(t('kpi.lostCustomers'), (k) => fmt.number(k.lostCustomers)),
      row(t('kpi.retentionRate'), (k) => fmt.percent(k.retentionRate)),
      row(t('kpi.churnRate'), (k) => fmt.percent(k.churnRate)),
      row(t('kpi.nrr'), (k) => fmt.percent(k.nrr)),
      row(t('kpi.grr'), (k) => fmt.percent(k.grr)),
    ],
    new Set(columns.map((_c, i) => i + 1)),
  );
}
