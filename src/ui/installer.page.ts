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
