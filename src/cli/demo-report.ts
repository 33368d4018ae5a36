import type { DemoPass } from '../app/demo/run-demo';
import { i18n as i18nFor, type Lang } from '../core/i18n/messages';
import type { PortfolioKpis } from '../core/kpi/kpi-pack';
import { GRANULARITIES, type Granularity, type Period } from '../core/model/periods';
import type { AccountSnapshot, EvaluationRun } from '../core/ports/evaluation-store.port';
import type { TierDefinition } from '../core/scoring/criteria-config';
import { portfolioKpiLines } from './portfolio-kpi-table';
import { textTable } from './text-table';

const TOP_ACCOUNTS = 5;
const TOP_REASONS = 2;

/**
 * What the demo found, for people and for --json alike: the portfolio KPIs of each labelled
 * period, the tiers with their labels and counts, and the top accounts with their reasons, all
 * in the reader's language. The request telemetry (the passes) travels beside it.
 */
export interface DemoSummary {
  lang: Lang;
  asOf: string | null;
  baseCurrency: string;
  ruleVersion: string | null;
  portfolio: Array<{ granularity: Granularity; period: Period; label: string; kpis: PortfolioKpis }>;
  tiers: Array<{ id: string; label: string; count: number }>;
  topAccounts: Array<{ id: string; name: string; tier: string; tierLabel: string; score: number; reasons: string[] }>;
}

interface StoredPortfolio {
  baseCurrency?: string;
  periods?: Partial<Record<Granularity, Period>>;
  kpis?: Partial<Record<Granularity, PortfolioKpis>>;
}

type StoredContribution = { points: number; reason: string; reasons?: Partial<Record<Lang, string>> };

export function summarizeDemo(input: { lang: Lang; run: EvaluationRun | null; accounts: AccountSnapshot[]; names: ReadonlyMap<string, string>; tiers: readonly TierDefinition[] }): DemoSummary {
  const i18n = i18nFor(input.lang);
  const stored = (input.run?.portfolio ?? {}) as StoredPortfolio;
  const portfolio: DemoSummary['portfolio'] = [];
  for (const granularity of GRANULARITIES) {
    const period = stored.periods?.[granularity];
    const kpis = stored.kpis?.[granularity];
    if (period && kpis) portfolio.push({ granularity, period, label: i18n.fmt.period(granularity, period.start), kpis });
  }
  const counts = new Map<string, number>();
  for (const account of input.accounts) counts.set(account.tier, (counts.get(account.tier) ?? 0) + 1);
  const known = input.tiers.map((tier) => tier.id);
  const tierIds = [...known, ...[...counts.keys()].filter((id) => !known.includes(id))];
  const topAccounts = [...input.accounts]
    .sort((a, b) => b.score - a.score || a.accountId.localeCompare(b.accountId))
    .slice(0, TOP_ACCOUNTS)
    .map((account) => ({
      id: account.accountId,
      name: input.names.get(account.accountId) ?? account.accountId,
      tier: account.tier,
      tierLabel: i18n.tier(input.tiers, account.tier),
      score: account.score,
      reasons: [...(account.contributions as StoredContribution[])]
        .sort((a, b) => b.points - a.points)
        .slice(0, TOP_REASONS)
        .map((c) => c.reasons?.[input.lang] ?? c.reason),
    }));
  return {
    lang: input.lang,
    asOf: input.run?.asOf ?? null,
    baseCurrency: stored.baseCurrency ?? 'RUB',
    ruleVersion: input.run?.ruleVersion ?? null,
    portfolio,
    tiers: tierIds.map((id) => ({ id, label: i18n.tier(input.tiers, id), count: counts.get(id) ?? 0 })),
    topAccounts,
  };
}

/** The demo's printed report: portfolio KPIs, tiers and top accounts first; what the passes cost last. */
/** crmName: the sandbox the demo ran on, as its users know it (Bitrix24, amoCRM). */
export function renderDemoReport(summary: DemoSummary, passes: readonly DemoPass[], crmName: string): string {
  const i18n = i18nFor(summary.lang);
  const { t, fmt } = i18n;
  const lines: string[] = ['', t('print.demoTitle')(crmName), ''];
  if (summary.portfolio.length === 0) lines.push(t('print.noEvaluation'));
  else {
    lines.push(t('print.portfolio'), ...portfolioKpiLines(i18n, summary.portfolio, summary.baseCurrency).map((line) => `  ${line}`));
  }
  lines.push('', `${t('print.tiers')}: ${summary.tiers.map((tier) => `${tier.label} ${fmt.number(tier.count)}`).join(' · ')}`);
  if (summary.topAccounts.length > 0) {
    lines.push('', t('print.topAccounts'));
    for (const account of summary.topAccounts) {
      lines.push(`  ${fmt.number(account.score).padStart(6)}  ${account.tierLabel} · ${account.name}`);
      for (const reason of account.reasons) lines.push(`          · ${reason}`);
    }
  }
  lines.push('', t('print.passes'));
  const rows = passes.map((pass, index) => [
    t('print.pass')(index + 1, t(pass.mode === 'full' ? 'print.passMode.full' : 'print.passMode.incremental')),
    t('print.synced')(fmt.count(pass.sync.companies, t('plural.company')), fmt.count(pass.sync.contacts, t('plural.contact')), fmt.count(pass.sync.deals, t('plural.deal'))),
    t('print.requests')(fmt.count(pass.api.requests, t('plural.request')), fmt.number(pass.api.byPhase.setup), fmt.number(pass.api.byPhase.sync), fmt.number(pass.api.byPhase.writeBack)),
    t('print.written')(
      fmt.count(pass.writes.fields, t('plural.field')), fmt.count(pass.writes.comments, t('plural.comment')), fmt.count(pass.writes.todos, t('plural.todo')), fmt.number(pass.writes.closed),
    ),
    t('print.seconds')(fmt.number(pass.seconds, 1)),
  ]);
  lines.push(...textTable(rows, new Set([4])).map((line) => `  ${line}`), '');
  return lines.join('\n');
}

/** Where to look once the demo serves: the Bitrix24 sandbox opens a card with our tab; the amoCRM sandbox shows its state. */
export function openCardLine(lang: 'ru' | 'en', crm: string, url: string): string {
  const { t } = i18nFor(lang);
  return crm === 'amocrm' ? t('print.openAmoCard')(url) : t('print.openCard')(url);
}
