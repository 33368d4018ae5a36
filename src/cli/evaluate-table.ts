import type { CriteriaConfig, EvaluationResult, Lang, PortfolioSnapshot } from '../core/engine';
import { formatDays, formatMoney, formatNumber, formatPercent } from '../core/i18n/format-values';

const TOP_REASONS = 3;

const T = {
  en: {
    title: (asOf: string, base: string, version: string) => `KAM Pilot: portfolio as of ${asOf} (base currency ${base}, rules ${version})`,
    accounts: (n: number) => `Accounts (${n})`,
    head: ['#', 'Tier', 'Score', 'Account', 'Revenue 12m', 'YoY', 'ABC/XYZ', 'LTV', 'ROMI', 'Last won'],
    points: 'pts',
    portfolio: 'Portfolio KPIs',
    rows: ['Period', 'Customers at start', 'Customers at end', 'New or won back', 'Lost', 'Retention', 'Churn', 'NRR', 'GRR', 'Revenue'],
    periods: { month: 'Month', quarter: 'Quarter', year: 'Year' },
    none: '—',
  },
  ru: {
    title: (asOf: string, base: string, version: string) => `KAM Pilot: портфель на ${asOf} (базовая валюта ${base}, правила ${version})`,
    accounts: (n: number) => `Клиенты (${n})`,
    head: ['№', 'Уровень', 'Балл', 'Клиент', 'Выручка 12 мес.', 'Г/г', 'ABC/XYZ', 'LTV', 'ROMI', 'Посл. победа'],
    points: 'б.',
    portfolio: 'KPI портфеля',
    rows: ['Период', 'Клиентов на начало', 'Клиентов на конец', 'Новые и вернувшиеся', 'Ушедшие', 'Удержание', 'Отток', 'NRR', 'GRR', 'Выручка'],
    periods: { month: 'Месяц', quarter: 'Квартал', year: 'Год' },
    none: '—',
  },
};

/** Left-aligned text columns, right-aligned numbers; widths from the longest cell. */
function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd(),
  );
}

/** The readable report of `kam evaluate` without --json: accounts with reasons, then portfolio KPIs. */
export function renderEvaluationTable(args: { result: EvaluationResult; snapshot: PortfolioSnapshot; config: CriteriaConfig; lang: Lang }): string {
  const { result, snapshot, config, lang } = args;
  const t = T[lang];
  const names = new Map(snapshot.accounts.map((a) => [a.id, a.name ?? a.id]));
  const tierLabel = new Map(config.tiers.map((tier) => [tier.id, tier.label?.[lang] ?? tier.id]));
  const pct = (v: number | null, signed = false): string => (v === null ? t.none : formatPercent(v, lang, signed));
  const money = (v: number): string => formatMoney(v, lang, result.baseCurrency);

  const lines = [t.title(result.asOf, result.baseCurrency, result.ruleVersion), '', t.accounts(result.accounts.length)];
  const rows: string[][] = [t.head];
  const reasons: string[][] = [];
  result.accounts.forEach((a, i) => {
    rows.push([
      String(i + 1),
      tierLabel.get(a.tier) ?? a.tier,
      formatNumber(a.score, lang),
      `${names.get(a.id) ?? a.id} (${a.id})`,
      money(a.revenue12m),
      pct(a.growthYoY, true),
      `${a.abc}/${a.xyz ?? t.none}`,
      money(a.ltv),
      pct(a.romi, true),
      a.daysSinceLastWon === null ? t.none : formatDays(a.daysSinceLastWon, lang),
    ]);
    reasons.push(
      [...a.contributions]
        .sort((x, y) => y.points - x.points)
        .slice(0, TOP_REASONS)
        .map((c) => `    ${formatNumber(c.points, lang, 1).padStart(5)} ${t.points}  ${c.reason}`),
    );
  });
  const rendered = table(rows, new Set([0, 2, 4, 5, 7, 8, 9]));
  lines.push(rendered[0] as string);
  rendered.slice(1).forEach((row, i) => lines.push(row, ...(reasons[i] ?? [])));

  lines.push('', t.portfolio);
  const grans = ['month', 'quarter', 'year'] as const;
  const col = (fn: (g: (typeof grans)[number]) => string): string[] => grans.map(fn);
  const p = result.portfolio;
  const portfolioRows: string[][] = [
    [t.rows[0] as string, ...col((g) => `${t.periods[g]} ${result.periods[g].start}..${result.periods[g].end}`)],
    [t.rows[1] as string, ...col((g) => String(p[g].customersStart))],
    [t.rows[2] as string, ...col((g) => String(p[g].customersEnd))],
    [t.rows[3] as string, ...col((g) => String(p[g].newCustomers))],
    [t.rows[4] as string, ...col((g) => String(p[g].lostCustomers))],
    [t.rows[5] as string, ...col((g) => pct(p[g].retentionRate))],
    [t.rows[6] as string, ...col((g) => pct(p[g].churnRate))],
    [t.rows[7] as string, ...col((g) => pct(p[g].nrr))],
    [t.rows[8] as string, ...col((g) => pct(p[g].grr))],
    [t.rows[9] as string, ...col((g) => money(p[g].revenue))],
  ];
  lines.push(...table(portfolioRows, new Set([1, 2, 3])));
  return `${lines.join('\n')}\n`;
}
