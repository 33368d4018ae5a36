import type { AccountKpiValues } from '../kpi/kpi-pack';
import type { AccountFields } from '../model/snapshot';
import { GRANULARITIES } from '../model/periods';

/** How a metric's value reads to a person; picks the formatting in reasons. */
export type MetricUnit = 'money' | 'percent' | 'number' | 'days' | 'years' | 'text';

export const ACCOUNT_METRICS = [
  'revenue12m', 'revenuePrev12m', 'growthYoY', 'ltv', 'romi', 'abc', 'xyz',
  'daysSinceLastWon', 'relationshipYears', 'potentialForecast3y', 'margin', 'lifetimeYears',
] as const;
export const PERIOD_METRICS = ['revenue', 'previousRevenue', 'growth', 'wonDeals', 'lostDeals', 'winRate', 'averageDeal', 'cycleDays'] as const;

export type MetricValue = number | string | boolean | null;

/** What a criterion can read about one account. */
export interface MetricSource {
  industry: string | null;
  fields: AccountFields;
  kpis: AccountKpiValues;
}

/** Metric names: an account KPI, `<month|quarter|year>.<period KPI>`, `industry` or `field:<key>`. */
export function isKnownMetric(metric: string): boolean {
  if (metric === 'industry') return true;
  if (metric.startsWith('field:')) return metric.length > 'field:'.length;
  if ((ACCOUNT_METRICS as readonly string[]).includes(metric)) return true;
  const [g, kpi, ...rest] = metric.split('.');
  return rest.length === 0 && (GRANULARITIES as readonly string[]).includes(g ?? '') && (PERIOD_METRICS as readonly string[]).includes(kpi ?? '');
}

export function metricHelp(): string {
  return `one of ${ACCOUNT_METRICS.join(', ')}, industry, field:<key>, or <month|quarter|year>.<${PERIOD_METRICS.join('|')}>`;
}

/** The raw value of a metric; null when absent. Objects and arrays in fields count as absent. */
export function readMetric(metric: string, source: MetricSource): MetricValue {
  if (metric === 'industry') return source.industry;
  if (metric.startsWith('field:')) {
    const value = source.fields[metric.slice('field:'.length)];
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    return typeof value === 'string' || typeof value === 'boolean' ? value : null;
  }
  const dot = metric.indexOf('.');
  if (dot > 0) {
    const period = source.kpis.kpis[metric.slice(0, dot) as keyof AccountKpiValues['kpis']] as unknown as Record<string, MetricValue>;
    return period[metric.slice(dot + 1)] ?? null;
  }
  return (source.kpis as unknown as Record<string, MetricValue>)[metric] ?? null;
}

const LETTERS: Record<string, Record<string, number>> = {
  abc: { A: 1, B: 0.5, C: 0 },
  xyz: { X: 1, Y: 0.5, Z: 0 },
};

/** Whether a scale can read the value: map scales read anything present, the others need a number. */
export function isReadable(metric: string, value: MetricValue, scaleType: string): boolean {
  if (value === null) return false;
  return scaleType === 'map' || numericValue(metric, value) !== null;
}

/** Numeric reading for numeric scales: numbers as they are, abc/xyz letters as 1 / 0.5 / 0. */
export function numericValue(metric: string, value: MetricValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return LETTERS[metric]?.[value] ?? null;
  return null;
}

export function defaultUnit(metric: string): MetricUnit {
  const name = metric.startsWith('field:') ? metric.slice(6) : metric.slice(metric.indexOf('.') + 1);
  if (metric === 'abc' || metric === 'xyz' || metric === 'industry') return 'text';
  if (metric.startsWith('field:')) {
    if (/^potential/i.test(name) || /cost$/i.test(name) || /revenue/i.test(name)) return 'money';
    return name === 'margin' ? 'percent' : 'number';
  }
  if (/^(revenue12m|revenuePrev12m|ltv|revenue|previousRevenue|averageDeal|potentialForecast3y)$/.test(name)) return 'money';
  if (/^(growthYoY|romi|margin|growth|winRate)$/.test(name)) return 'percent';
  if (/^(daysSinceLastWon|cycleDays)$/.test(name)) return 'days';
  if (/^(relationshipYears|lifetimeYears)$/.test(name)) return 'years';
  return 'number';
}
