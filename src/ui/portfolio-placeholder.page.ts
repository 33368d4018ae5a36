import type { Lang } from '../core/i18n/format-values';
import { PAGE_CSS } from './styles';

/**
 * The app's main page (the Market card's application URL), opened by any user of the portal: not
 * the admin-only installer. Until the portfolio page is built, it says what the app does and
 * where its data shows (the deal and company card tabs); nothing here needs admin rights.
 */
export function renderPortfolioPlaceholder(options: { lang: Lang; nonce: string }): string {
  const ru = options.lang === 'ru';
  const title = ru ? 'KAM Pilot: ключевые клиенты' : 'KAM Pilot: key accounts';
  const note = ru
    ? 'Уровень, балл, KPI и следующие шаги по клиенту — во вкладке «KAM Pilot» в карточке сделки или компании. Обзор портфеля появится на этой странице.'
    : 'Tier, score, KPIs and next steps of an account are in the “KAM Pilot” tab of a deal or company card. The portfolio overview will appear on this page.';
  return `<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><title>KAM Pilot</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>
<body><main><h1>${title}</h1><p>${note}</p></main>
<script nonce="${options.nonce}" src="/static/b24jssdk.min.js"></script>
<script nonce="${options.nonce}">B24Js.initializeB24Frame().then(function (b24) { b24.parent.fitWindow(); }).catch(function () {});</script>
</body></html>`;
}
