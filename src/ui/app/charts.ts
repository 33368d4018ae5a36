import type { EChartsOption } from 'echarts';
import type { I18n } from './i18n';

/** Chart options in the Bitrix24 palette; every label and number goes through the reader's Intl. */
export const PALETTE = ['#2fc6f6', '#9dcf00', '#ff5752', '#ffa900', '#5b6573', '#a77bde', '#55d0e0', '#1bce7b'];
const TIER_BANDS = ['rgba(157,207,0,0.12)', 'rgba(47,198,246,0.10)', 'rgba(91,101,115,0.06)', 'rgba(255,169,0,0.08)'];

const base = (): EChartsOption => ({
  color: PALETTE,
  grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
  tooltip: { trigger: 'axis' },
  aria: { enabled: true },
  // Drawn at once: a frame that resizes to its content redraws without a replayed animation.
  animation: false,
  textStyle: { fontFamily: 'inherit' },
});

export function barChart(i18n: I18n, labels: string[], values: number[], currency: string, name: string): EChartsOption {
  return {
    ...base(),
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => i18n.moneyShort(v, currency) } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => i18n.money(Number(v), currency) },
    series: [{ type: 'bar', name, data: values, barMaxWidth: 18, itemStyle: { borderRadius: [3, 3, 0, 0] } }],
  };
}

/** The score over time with each tier's band behind it (tiers from the top, as configured). */
export function scoreChart(
  i18n: I18n,
  points: Array<{ label: string; score: number; tier: string }>,
  tiers: Array<{ id: string; label: string; minScore: number }>,
  name: string,
): EChartsOption {
  const bands = tiers.map((tier, index) => [
    { yAxis: tier.minScore, name: tier.label, itemStyle: { color: TIER_BANDS[index % TIER_BANDS.length] } },
    { yAxis: index === 0 ? 100 : (tiers[index - 1]?.minScore ?? 100) },
  ]);
  return {
    ...base(),
    grid: { left: 8, right: 90, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: points.map((p) => p.label), axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', min: 0, max: 100 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => i18n.number(Number(v), 1) },
    series: [{
      type: 'line', name, data: points.map((p) => p.score), step: 'end', symbolSize: 6,
      markArea: { silent: true, label: { position: 'right', color: '#525c69' }, data: bands as never },
    }],
  };
}

/** Several KPIs over the same periods: money on the left axis, rates (fractions) on the right. */
export function trendChart(
  i18n: I18n,
  labels: string[],
  money: { name: string; values: number[] },
  rates: Array<{ name: string; values: Array<number | null> }>,
  currency: string,
): EChartsOption {
  return {
    ...base(),
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: labels },
    yAxis: [
      { type: 'value', axisLabel: { formatter: (v: number) => i18n.moneyShort(v, currency) } },
      { type: 'value', axisLabel: { formatter: (v: number) => i18n.percent(v) }, splitLine: { show: false } },
    ],
    tooltip: { trigger: 'axis' },
    series: [
      { type: 'bar', name: money.name, data: money.values, barMaxWidth: 24, tooltip: { valueFormatter: (v) => i18n.money(Number(v), currency) } },
      ...rates.map((rate) => ({
        type: 'line' as const, name: rate.name, yAxisIndex: 1, data: rate.values, connectNulls: true,
        tooltip: { valueFormatter: (v: unknown) => i18n.percent(v == null ? null : Number(v), 1) },
      })),
    ],
  };
}
