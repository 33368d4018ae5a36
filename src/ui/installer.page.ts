import type { InstallProgress } from '../app/install-progress';
import { i18n, type Lang } from '../core/i18n/messages';
import { escapeHtml } from './html';
import { PAGE_CSS } from './styles';

/**
 * The installer frame's answer, once the installation is stored and verified (setup and the first
 * sync run as jobs on the server, their progress shown here), so the page tells Bitrix24 the
 * install is finished (installFinish through the official frame SDK; until then no events or
 * placements work) and shows the first sync's progress by polling our status URL.
 */
export function renderInstallerPage(options: { lang: Lang; ok: boolean; message?: string; statusUrl?: string; nonce: string }): string {
  const { installer } = i18n(options.lang).pages;
  const title = options.ok ? installer.done : installer.failed;
  const note = options.ok ? installer.note : escapeHtml(options.message ?? '');
  const finish = options.ok
    ? `B24Js.initializeB24Frame().then(function (b24) { return b24.installFinish(); }).catch(function (e) { console.warn('installFinish outside Bitrix24', e); });`
    : '';
  const poll = options.ok && options.statusUrl
    ? `(function poll(){ fetch(${JSON.stringify(options.statusUrl)}).then(function(r){return r.json();}).then(function(s){
        var bar=document.getElementById('bar'); var text=document.getElementById('state');
        bar.style.width=Math.round((s.progress||0)*100)+'%'; text.textContent=s.text||'';
        if(!s.done) setTimeout(poll, 2000); }).catch(function(){ setTimeout(poll, 5000); }); })();`
    : '';
  return `<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><title>KAM Pilot</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>
<body><main><h1>${title}</h1><p>${note}</p>
${options.ok ? '<div class="progress"><span id="bar" style="width:0%"></span></div><p id="state" class="muted"></p>' : ''}
</main>
<script nonce="${options.nonce}" src="/static/b24jssdk.min.js"></script>
<script nonce="${options.nonce}">${finish}${poll}</script>
</body></html>`;
}

/**
 * The first sync's progress as the installer page shows it, in the installation's language: the
 * setup's attempt while it runs, then the rows synced per stream ("Companies: 1 200 · …").
 */
export function installProgressText(lang: Lang, status: Pick<InstallProgress, 'done' | 'streams' | 'setupAttempt'>): string {
  const { pages, fmt } = i18n(lang);
  const { installer } = pages;
  const setup = status.setupAttempt === null ? [] : [status.setupAttempt > 1 ? installer.setupAttempt(fmt.number(status.setupAttempt)) : installer.setup];
  const { company, contact, deal } = status.streams;
  const streams = installer.streams(fmt.number(company), fmt.number(contact), fmt.number(deal));
  return [...setup, streams, ...(status.done ? [installer.finished] : [])].join(' · ');
}
