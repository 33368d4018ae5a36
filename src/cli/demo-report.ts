import { formatMoney, formatPercent, type Lang } from '../core/i18n/format-values';
import type { AccountSnapshot, EvaluationRun } from '../core/ports/evaluation-store.port';
import type { DemoPass } from '../app/demo/run-demo';

/** The demo's report for people: tiers, the top key accounts with their reasons, portfolio KPIs, what was written, what it cost. */
export function renderDemoReport(input: {
  lang: Lang;
  passes: DemoPass[];
  run: EvaluationRun | null;
  accounts: AccountSnapshot[];
  names: Map<string, string>;
  appUrl: string;
}): string {
  const { lang } = input;
  const t = (ru: string, en: string) => (lang === 'ru' ? ru : en);
  const lines: string[] = [];
  const currency = String((input.run?.portfolio as { baseCurrency?: string } | undefined)?.baseCurrency ?? 'RUB');
  const last = input.passes[input.passes.length - 1];
  lines.push('', t('KAM Pilot · демо на песочнице Bitrix24', 'KAM Pilot · demo on the Bitrix24 sandbox'), '');
  if (last) {
    lines.push(t('Уровни:', 'Tiers:') + ' ' + Object.entries(last.tiers).map(([tier, count]) => `${tier} ${count}`).join(' · '));
  }
  const key = input.accounts.filter((account) => account.tier === 'key').sort((a, b) => b.score - a.score).slice(0, 5);
  if (key.length > 0) {
    lines.push('', t('Главные ключевые клиенты:', 'Top key accounts:'));
    for (const account of key) {
      lines.push(`  ${account.score.toFixed(1).padStart(5)}  ${input.names.get(account.accountId) ?? account.accountId}`);
      const reasons = [...(account.contributions as Array<{ points: number; reason: string; reasons?: Partial<Record<Lang, string>> }>)]
        .sort((a, b) => b.points - a.points)
        .slice(0, 2);
      for (const reason of reasons) lines.push(`         · ${reason.reasons?.[lang] ?? reason.reason}`);
    }
  }
  const portfolio = (input.run?.portfolio as { kpis?: Record<string, Record<string, number | null>>; periods?: Record<string, { start: string; end: string }> } | undefined) ?? {};
  if (portfolio.kpis) {
    lines.push('', t('Портфель:', 'Portfolio:'));
    for (const granularity of ['month', 'quarter', 'year']) {
      const k = portfolio.kpis[granularity];
      const period = portfolio.periods?.[granularity];
      if (!k || !period) continue;
      const pct = (value: number | null | undefined) => (value === null || value === undefined ? '—' : formatPercent(value, lang));
      lines.push(
        `  ${period.start}..${period.end}  ${t('выручка', 'revenue')} ${formatMoney(k.revenue ?? 0, lang, currency)} · NRR ${pct(k.nrr)} · GRR ${pct(k.grr)} · ${t('удержание', 'retention')} ${pct(k.retentionRate)} · ${t('отток', 'churn')} ${pct(k.churnRate)}`,
      );
    }
  }
  lines.push('', t('Проходы:', 'Passes:'));
  input.passes.forEach((pass, index) => {
    lines.push(
      `  #${index + 1} ${pass.mode.padEnd(11)} ${t('синхр.', 'synced')} ${pass.sync.companies}/${pass.sync.contacts}/${pass.sync.deals} · ` +
        `${t('запросов', 'requests')} ${pass.api.requests} (setup ${pass.api.byPhase.setup}, sync ${pass.api.byPhase.sync}, write ${pass.api.byPhase.writeBack}) · ` +
        `${t('записано', 'written')}: ${t('поля', 'fields')} ${pass.writes.fields}, ${t('комментарии', 'comments')} ${pass.writes.comments}, ${t('дела', 'to-dos')} ${pass.writes.todos}, ${t('закрыто', 'closed')} ${pass.writes.closed} · ${pass.seconds.toFixed(1)} s`,
    );
  });
  lines.push('');
  return lines.join('\n');
}
