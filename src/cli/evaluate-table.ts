import type { CriteriaConfig, EvaluationResult, Lang, PortfolioSnapshot } from '../core/engine';
import { i18n as i18nFor } from '../core/i18n/messages';
import { GRANULARITIES } from '../core/model/periods';
import { portfolioKpiLines } from './portfolio-kpi-table';
import { textTable } from './text-table';

const TOP_REASONS = 3;

/**
 * The readable report of `kam evaluate` without --json: the portfolio KPIs of each labelled
 * period first, then the accounts, highest score first, with their tier labels and top reasons.
 * Every word comes from the message catalogue and every number through Intl; the criteria are
 * named by their source (built in, or the --config file), never by their hash.
 */
export function renderEvaluationTable(args: { result: EvaluationResult; snapshot: PortfolioSnapshot; config: CriteriaConfig; configFile?: string; lang: Lang }): string {
  const { result, snapshot, config, lang } = args;
  const i18n = i18nFor(lang);
  const { t, fmt } = i18n;
  const names = new Map(snapshot.accounts.map((a) => [a.id, a.name ?? a.id]));
  const money = (v: number): string => fmt.moneyShort(v, result.baseCurrency);

  // The criteria by where they came from, as people name them; the version hash is in --json (ruleVersion).
  const criteria = args.configFile === undefined ? t('print.criteriaBuiltIn') : t('print.criteriaFile')(args.configFile);
  const lines = [t('print.evaluateTitle')(fmt.date(result.asOf), result.baseCurrency, criteria), '', t('print.portfolio')];
  lines.push(...portfolioKpiLines(i18n, GRANULARITIES.map((g) => ({ granularity: g, period: result.periods[g], kpis: result.portfolio[g] })), result.baseCurrency));

  lines.push('', t('print.accounts')(result.accounts.length));
  const rows: string[][] = [
    [t('print.rank'), t('account.tier'), t('account.score'), t('account.name'), t('account.revenue12m'), t('account.growthYoY'), 'ABC/XYZ', t('account.ltv'), 'ROMI', t('print.lastWon')],
  ];
  const reasons: string[][] = [];
  result.accounts.forEach((a, i) => {
    rows.push([
      fmt.number(i + 1),
      i18n.tier(config.tiers, a.tier),
      fmt.number(a.score),
      `${names.get(a.id) ?? a.id} (${a.id})`,
      money(a.revenue12m),
      fmt.percent(a.growthYoY, { signed: true }),
      `${a.abc}/${a.xyz ?? t('common.none')}`,
      money(a.ltv),
      fmt.percent(a.romi, { signed: true }),
      a.daysSinceLastWon === null ? t('common.none') : fmt.count(a.daysSinceLastWon, t('plural.day')),
    ]);
    reasons.push(
      [...a.contributions]
        .sort((x, y) => y.points - x.points)
        .slice(0, TOP_REASONS)
        .map((c) => `    ${fmt.number(c.points, 1).padStart(5)} ${t('print.points')}  ${c.reason}`),
    );
  });
  const rendered = textTable(rows, new Set([0, 2, 4, 5, 7, 8, 9]));
  lines.push(rendered[0] as string);
  rendered.slice(1).forEach((row, i) => lines.push(row, ...(reasons[i] ?? [])));
  return `${lines.join('\n')}\n`;
}
