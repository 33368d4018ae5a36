import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A page like amo's card page for our widget (https://www.amocrm.ru/developers/content/integrations/script_js):
 * RequireJS `define`, a small jQuery stand-in (the calls script.js makes), the widget base methods
 * amo mixes in (i18n, system, get_settings, render_template), and `$authorizedAjax` sending the
 * disposable token in X-Auth-Token. The real script.js, i18n and style.css run in it; the panel
 * sits in a right-hand column as wide as amo's.
 */
const WIDGET = join(__dirname, '..', '..', '..', 'manifest', 'amocrm');

export function amoCardPage(args: { lang: 'ru' | 'en'; area: 'comcard' | 'lcard'; cardId: string; backend: string; token: string }): string {
  const strings = readFileSync(join(WIDGET, 'i18n', `${args.lang}.json`), 'utf8');
  const config = JSON.stringify({ ...args, strings: JSON.parse(strings) as unknown });
  const script = readFileSync(join(WIDGET, 'script.js'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><title>amo card</title>
<style>body{margin:0;background:#f3f5f7;font:13px/1.4 "PT Sans",Arial,sans-serif;color:#313942}
#column{width:340px;margin:16px;background:#fff;border:1px solid #e0e4e8;padding:14px}
${readFileSync(join(WIDGET, 'style.css'), 'utf8')}</style></head>
<body><div id="column" data-testid="amo-column"></div>
<script>
var CONFIG = ${config.replace(/</g, '\\u003c')};
window.APP = { lang_id: CONFIG.lang, data: { current_card: { id: CONFIG.cardId } } };
function $(target) {
  var nodes = target === document ? [document] : typeof target === 'string' ? Array.prototype.slice.call(document.querySelectorAll(target)) : target ? [target] : [];
  var api = {
    length: nodes.length,
    html: function (markup) { nodes.forEach(function (n) { n.innerHTML = markup; }); return api; },
    append: function (markup) { nodes.forEach(function (n) { n.insertAdjacentHTML('beforeend', markup); }); return api; },
    after: function (markup) { nodes.forEach(function (n) { n.insertAdjacentHTML('afterend', markup); }); return api; },
    find: function (selector) { return $(nodes[0] && nodes[0].querySelector ? nodes[0].querySelector(selector) : null); },
    remove: function () { nodes.forEach(function (n) { n.remove(); }); return api; },
    off: function () { return api; },
    on: function (events, selector, run) {
      document.addEventListener(events.split('.')[0], function (event) { if (event.target.closest && event.target.closest(selector)) run.call(event.target, event); });
      return api;
    }
  };
  return api;
}
function deferred(promise) {
  var d = { done: function (f) { promise.then(f, function () {}); return d; }, fail: function (f) { promise.catch(f); return d; } };
  return d;
}
window.define = function (deps, factory) { window.KamWidget = factory($); };
</script>
<script>${script}</script>
<script>
var Widget = window.KamWidget;
Object.assign(Widget.prototype, {
  i18n: function (section) { return CONFIG.strings[section]; },
  system: function () { return { area: CONFIG.area, lang: CONFIG.lang }; },
  get_settings: function () { return { backend_url: CONFIG.backend, widget_code: 'kam_pilot' }; },
  render_template: function (options) { document.getElementById('column').innerHTML = options.render; },
  $authorizedAjax: function (options) {
    var query = new URLSearchParams(options.data).toString();
    return deferred(fetch(options.url + '?' + query, { headers: { 'X-Auth-Token': CONFIG.token } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject({ status: r.status }); }));
  }
});
var widget = new Widget();
widget.callbacks.init();
widget.callbacks.render();
widget.callbacks.bind_actions();
</script></body></html>`;
}
