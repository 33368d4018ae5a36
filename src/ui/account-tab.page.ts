import type { AccountView } from '../app/account-view';
import type { PeriodKpis } from '../core/kpi/account-kpis';
import { formatMoney, formatNumber, formatPercent, type Lang } from '../core/i18n/format-values';
import { html, raw, type RawHtml } from './html';
import { PAGE_CSS } from './styles';

/**
 * The KAM tab inside a deal or company card: tier, score with every reason, the KPI pack by
 * period, tier history and open next steps: the app's account view (src/app/account-view.ts), rendered.
 */
export type AccountTabView = AccountView;

type Period = PeriodKpis;

const T = {
  title: { ru: 'KAM Pilot', en: 'KAM Pilot' },
  notYet: { ru: 'Клиент ещё не оценён: идёт первая синхронизация или у сделки нет компании.', en: 'Not evaluated yet: the first sync is running, or the deal has no company.' },
  score: { ru: 'Балл', en: 'Score' },
  why: { ru: 'Из чего сложился балл', en: 'Why this score' },
  kpis: { ru: 'KPI по периодам', en: 'KPIs by period' },
  month: { ru: 'Месяц', en: 'Month' },
  quarter: { ru: 'Квартал', en: 'Quarter' },
  year: { ru: 'Год', en: 'Year' },
  revenue: { ru: 'Выручка', en: 'Revenue' },
  previous: { ru: 'Пред. период', en: 'Previous period' },
  growth: { ru: 'Рост', en: 'Growth' },
  wonLost: { ru: 'Выиграно / проиграно', en: 'Won / lost' },
  winRate: { ru: 'Доля побед', en: 'Win rate' },
  avgDeal: { ru: 'Средняя сделка', en: 'Average deal' },
  cycle: { ru: 'Цикл, дней', en: 'Cycle, days' },
  overview: { ru: 'За 12 месяцев', en: 'Last 12 months' },
  ltv: { ru: 'LTV', en: 'LTV' },
  romi: { ru: 'ROMI (по прибыли)', en: 'ROMI (profit-based)' },
  abc: { ru: 'ABC / XYZ', en: 'ABC / XYZ' },
  recency: { ru: 'Дней с последней победы', en: 'Days since last win' },
  steps: { ru: 'Открытые следующие шаги', en: 'Open next steps' },
  noSteps: { ru: 'Нет открытых шагов.', en: 'No open next steps.' },
  history: { ru: 'История уровня', en: 'Tier history' },
  due: { ru: 'срок', en: 'due' },
  asOf: { ru: 'на', en: 'as of' },
  owner: { ru: 'Ответственный', en: 'Account owner' },
  blocked: {
    ru: 'Синхронизация остановлена: Bitrix24 больше не принимает ключи приложения. Администратору нужно переустановить KAM Pilot. Данные ниже могут быть устаревшими.',
    en: 'Sync is stopped: Bitrix24 no longer accepts the app tokens. An administrator must reinstall KAM Pilot. The data below may be out of date.',
  },
} as const;

export function renderAccountTab(view: AccountTabView, options: { nonce: string }): string {
  const { lang } = view;
  const t = (key: keyof typeof T) => T[key][lang];
  const money = (value: number | null | undefined) => (value === null || value === undefined ? '—' : formatMoney(value, lang, view.baseCurrency));
  const pct = (value: number | null | undefined, signed = false) => (value === null || value === undefined ? '—' : formatPercent(value, lang, signed));
  const tierName = (tier: string) => view.tierLabels[tier]?.[lang] ?? tier;
  const snap = view.snapshot;
  const body: RawHtml = snap
    ? (() => {
        const k = snap.kpis as Record<string, unknown> & { periods?: Record<string, Period> };
        const periods = k.periods ?? {};
        const contributions = [...(snap.contributions as Array<{ criterion: string; points: number; normalized: number; reason: string; reasons?: Partial<Record<Lang, string>> }>)].sort(
          (a, b) => b.points - a.points,
        );
        const growth = typeof k.growthYoY === 'number' ? k.growthYoY : null;
        return html`
      <div class="row">
        <span class="badge tier-${snap.tier}">${tierName(snap.tier)}</span>
        <span class="score">${formatNumber(snap.score, lang)}</span><span class="muted">/ 100 · ${t('asOf')} ${snap.asOf}</span>
        ${snap.previousTier && snap.previousTier !== snap.tier ? html`<span class="muted">← ${tierName(snap.previousTier)}</span>` : ''}
      </div>
      <h2>${t('why')}</h2>
      <table>${contributions.map(
        (c) => html`<tr><td>${c.reasons?.[lang] ?? c.reason}</td><td style="width:120px"><div class="bar"><span style="width:${Math.round(c.normalized * 100)}%"></span></div></td><td class="num">+${formatNumber(c.points, lang)}</td></tr>`,
      )}</table>
      <h2>${t('overview')}</h2>
      <div class="row">
        <div class="card">${t('revenue')}<br><b>${money(k.revenue12m as number)}</b> <span class="${growth !== null && growth < 0 ? 'down' : 'up'}">${pct(growth, true)}</span></div>
        <div class="card">${t('ltv')}<br><b>${money(k.ltv as number)}</b></div>
        <div class="card">${t('romi')}<br><b>${pct(k.romi as number | null)}</b></div>
        <div class="card">${t('abc')}<br><b>${String(k.abc ?? '—')} / ${String(k.xyz ?? '—')}</b></div>
        <div class="card">${t('recency')}<br><b>${k.daysSinceLastWon === null || k.daysSinceLastWon === undefined ? '—' : String(k.daysSinceLastWon)}</b></div>
      </div>
      <h2>${t('kpis')}</h2>
      <table>
        <tr><th></th><th class="num">${t('month')}</th><th class="num">${t('quarter')}</th><th class="num">${t('year')}</th></tr>
        ${([
          ['revenue', (p: Period) => money(p.revenue)],
          ['previous', (p: Period) => money(p.previousRevenue)],
          ['growth', (p: Period) => pct(p.growth, true)],
          ['wonLost', (p: Period) => `${p.wonDeals} / ${p.lostDeals}`],
          ['winRate', (p: Period) => pct(p.winRate)],
          ['avgDeal', (p: Period) => money(p.averageDeal)],
          ['cycle', (p: Period) => (p.cycleDays === null ? '—' : formatNumber(p.cycleDays, lang, 1))],
        ] as const).map(
          ([label, cell]) =>
            html`<tr><td>${t(label)}</td>${(['month', 'quarter', 'year'] as const).map((g) => html`<td class="num">${periods[g] ? cell(periods[g] as Period) : '—'}</td>`)}</tr>`,
        )}
      </table>`;
      })()
    : html`<p class="muted">${t('notYet')}</p>`;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>KAM Pilot</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>
<body><main>
${html`<h1>${t('title')}${view.companyName ? html`: ${view.companyName}` : ''}</h1>`}
${view.ownerName ? html`<p class="muted">${t('owner')}: ${view.ownerName}</p>` : ''}
${view.blocked ? html`<div class="card warn" role="alert">${t('blocked')}</div>` : ''}
${body}
${html`<h2>${t('steps')}</h2>
${view.openSteps.length === 0 ? html`<p class="muted">${t('noSteps')}</p>` : html`<ul class="steps">${view.openSteps.map((step) => html`<li>${step.title} <span class="muted">· ${t('due')} ${step.dueDate ?? '—'}</span></li>`)}</ul>`}
<h2>${t('history')}</h2>
<table>${[...view.history].reverse().slice(0, 12).map((change) => html`<tr><td>${change.asOf}</td><td>${tierName(change.tier)}</td><td class="num">${formatNumber(change.score, lang)}</td></tr>`)}</table>`}
</main>
${raw(`<script nonce="${options.nonce}" src="/static/b24jssdk.min.js"></script>
<script nonce="${options.nonce}">
  // Fit the tab to its content when it runs inside Bitrix24; harmless when opened directly.
  if (window.B24Js) B24Js.initializeB24Frame().then(function (b24) { b24.parent.fitWindow(); }).catch(function () {});
</script>`)}
</body></html>`;
}
