/**
 * KAM Pilot widget for amoCRM / Kommo.
 *
 * An AMD module, as amo loads widgets (https://www.amocrm.ru/developers/content/integrations/script_js).
 * Plain ES5 and unminified on purpose: amo's moderation reads it
 * (https://www.amocrm.ru/developers/content/integrations/requirements).
 *
 * - Lead, contact and company cards (lcard-1, ccard-1, comcard-1): the right panel asks our backend
 *   for the account view through self.$authorizedAjax, which adds the disposable X-Auth-Token JWT
 *   (https://www.amocrm.ru/developers/content/oauth/disposable-tokens), and shows tier, score,
 *   reasons, KPIs, risk signals, the lead beside its account with its stage, and next steps; the
 *   account, the lead and each step link to their amo cards (the panel is in amo's page: same window).
 * - settings: tells the user what data goes to our server before they save (moderation rule).
 * - advanced_settings: our portfolio page in an iframe, with a link to open it in a new tab; the
 *   page is the widget's own, drawn into #work-area-{widget_code}
 *   (https://www.amocrm.ru/developers/content/integrations/custom/settings).
 *
 * Every visible string comes from i18n/{ru,en}.json, looked up by t() with a dotted key.
 */
define(['jquery'], function ($) {
  'use strict';

  // Replaced by `npm run widget:amocrm` with the backend address given at build time (KAM_PUBLIC_URL);
  // the widget setting backend_url, when filled in, wins.
  var BUILT_IN_BACKEND_URL = '__KAM_BACKEND_URL__';
  var PREFIX = 'kam-pilot';
  var EVENTS = '.kamPilot';
  // Our task and note texts end with a dedup marker such as "[kam:step:company:42]": never shown.
  var MARKER = /\s*\[kam:[^\]]*\]/g;
  var ENTITY_BY_AREA = { lcard: 'leads', ccard: 'contacts', comcard: 'companies' };

  function escapeHtml(value) {
    // Braces too: render_template treats its markup as a Twig template.
    return String(value === null || value === undefined ? '' : value)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/\{/g, '&#123;').replace(/\}/g, '&#125;');
  }

  function cleanText(value) {
    return String(value === null || value === undefined ? '' : value).replace(MARKER, '').replace(/^\s+|\s+$/g, '');
  }

  function isArray(value) {
    return Object.prototype.toString.call(value) === '[object Array]';
  }

  function trimSlash(url) {
    return String(url || '').replace(/\/+$/, '');
  }

  return function () {
    var self = this;

    function t(key) {
      var parts = key.split('.');
      var node = self.i18n(parts[0]);
      for (var i = 1; i < parts.length && node; i += 1) node = node[parts[i]];
      return typeof node === 'string' ? node : '';
    }

    function lang() {
      var app = window.APP || window.AMOCRM || {};
      var code = String(app.lang_id || (self.system() || {}).lang || 'ru').slice(0, 2);
      return code === 'ru' ? 'ru' : 'en';
    }

    function backendUrl() {
      var fromSettings = trimSlash((self.get_settings() || {}).backend_url);
      if (/^https?:\/\//.test(fromSettings)) return fromSettings;
      return /^https?:\/\//.test(BUILT_IN_BACKEND_URL) ? trimSlash(BUILT_IN_BACKEND_URL) : '';
    }

    /** The card being shown: its entity type (from the area) and id; null outside a card. */
    function currentCard() {
      var area = String((self.system() || {}).area || '');
      var entity = ENTITY_BY_AREA[area];
      if (!entity) return null;
      var app = window.APP || window.AMOCRM || {};
      var card = app.data && app.data.current_card;
      var id = card ? Number(card.id) : 0;
      return { entity: entity, id: id > 0 ? id : 0 };
    }

    function formatNumber(value, digits) {
      if (typeof value !== 'number' || !isFinite(value)) return cleanText(value);
      try {
        return value.toLocaleString(lang() === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: digits });
      } catch (error) {
        return String(Math.round(value * 10) / 10);
      }
    }

    /** A calendar day (YYYY-MM-DD) as the reader writes it, as the pages and CRM texts do (src/core/i18n/intl-format.ts): "11 янв. 2027 г.", "Jan 11, 2027". */
    function formatDay(value) {
      var text = cleanText(value);
      if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return text;
      try {
        return new Date(text.slice(0, 10) + 'T00:00:00Z').toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-US', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
      } catch (error) {
        return text.slice(0, 10);
      }
    }

    function section(titleKey, inner) {
      return '<div class="' + PREFIX + '__section">' +
        '<div class="' + PREFIX + '__section-title">' + escapeHtml(t(titleKey)) + '</div>' + inner + '</div>';
    }

    function message(key, withRetry) {
      return '<div class="' + PREFIX + '__message">' + escapeHtml(t(key)) + '</div>' +
        (withRetry ? '<button type="button" class="button-input ' + PREFIX + '__retry">' + escapeHtml(t('panel.retry')) + '</button>' : '');
    }

    function reasonList(reasons) {
      var items = [];
      for (var i = 0; i < reasons.length && items.length < 5; i += 1) {
        var reason = reasons[i];
        var text = cleanText(typeof reason === 'string' ? reason : reason && (reason.text || reason.reason));
        if (!text) continue;
        var points = reason && typeof reason.points === 'number' ? ' <span class="' + PREFIX + '__points">' +
          (reason.points > 0 ? '+' : '') + escapeHtml(formatNumber(reason.points, 1)) + '</span>' : '';
        items.push('<li>' + escapeHtml(text) + points + '</li>');
      }
      return items.length ? section('panel.reasons', '<ul class="' + PREFIX + '__list">' + items.join('') + '</ul>') : '';
    }

    function kpiTable(kpis) {
      var rows = [];
      for (var i = 0; i < kpis.length; i += 1) {
        var kpi = kpis[i] || {};
        var label = cleanText(kpi.label);
        if (!label) continue;
        rows.push('<tr><td>' + escapeHtml(label) + '</td><td class="' + PREFIX + '__value">' +
          escapeHtml(typeof kpi.value === 'number' ? formatNumber(kpi.value, 2) : cleanText(kpi.value || '—')) + '</td></tr>');
      }
      return rows.length ? section('panel.kpis', '<table class="' + PREFIX + '__kpis">' + rows.join('') + '</table>') : '';
    }

    function stepList(steps) {
      var items = [];
      for (var i = 0; i < steps.length; i += 1) {
        var step = steps[i];
        var text = cleanText(typeof step === 'string' ? step : step && (step.text || step.title));
        if (!text) continue;
        var due = step && step.due ? ' <span class="' + PREFIX + '__due">' + escapeHtml(t('panel.due')) + ' ' + escapeHtml(formatDay(step.due)) + '</span>' : '';
        var open = step && step.link ? ' ' + crmLink(step.link, t('panel.open')) : '';
        items.push('<li>' + escapeHtml(text) + due + open + '</li>');
      }
      var inner = items.length ? '<ul class="' + PREFIX + '__list">' + items.join('') + '</ul>' :
        '<div class="' + PREFIX + '__muted">' + escapeHtml(t('panel.no_steps')) + '</div>';
      return section('panel.next_steps', inner);
    }

    /** A card of this amo account (the backend builds the address); the widget lives in amo's page, so it opens in place. */
    function crmLink(url, text) {
      var safe = /^https?:\/\//.test(String(url || '')) ? String(url) : '';
      if (!safe) return escapeHtml(text);
      return '<a class="' + PREFIX + '__link" href="' + escapeHtml(safe) + '">' + escapeHtml(text) + '</a>';
    }

    function riskList(risks) {
      var items = [];
      for (var i = 0; i < risks.length; i += 1) {
        var text = cleanText(risks[i] && risks[i].text);
        if (text) items.push('<li>' + escapeHtml(text) + '</li>');
      }
      return items.length ? section('panel.risks', '<ul class="' + PREFIX + '__list ' + PREFIX + '__risks">' + items.join('') + '</ul>') : '';
    }

    function dealLine(deal) {
      if (!deal || !deal.title) return '';
      var stage = cleanText(deal.stage) || t(deal.status === 'won' ? 'panel.deal_status_won' : deal.status === 'lost' ? 'panel.deal_status_lost' : 'panel.deal_status_open');
      return '<div class="' + PREFIX + '__deal">' + escapeHtml(t('panel.deal')) + ': ' + crmLink(deal.link, cleanText(deal.title)) +
        ' <span class="' + PREFIX + '__muted">' + escapeHtml(t('panel.stage')) + ': ' + escapeHtml(stage) + '</span></div>';
    }

    function formatMoney(value, currency) {
      return formatNumber(value, 0) + (currency ? ' ' + cleanText(currency) : '');
    }

    function formatPercent(fraction, signed) {
      var text = formatNumber(Math.round(fraction * 1000) / 10, 1) + '%';
      return signed && fraction > 0 ? '+' + text : text;
    }

    /** A labelled period ("Oct 2026", "Q3 2026", "2026"), as the pages label them. */
    function periodLabel(period) {
      var start = String(period && period.start || '');
      var year = start.slice(0, 4);
      var month = Number(start.slice(5, 7));
      if (!year || !month) return '';
      if (period.granularity === 'year') return year;
      if (period.granularity === 'quarter') {
        var quarter = Math.floor((month - 1) / 3) + 1;
        return lang() === 'ru' ? quarter + ' кв. ' + year : 'Q' + quarter + ' ' + year;
      }
      try {
        return new Date(start.slice(0, 10) + 'T00:00:00Z').toLocaleDateString(lang() === 'ru' ? 'ru-RU' : 'en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
      } catch (error) {
        return start.slice(0, 7);
      }
    }

    /** The last closed month, quarter and year, each labelled, with growth; and the ABC / XYZ class. */
    function kpisOf(view) {
      var rows = [];
      var periods = isArray(view.kpis) ? view.kpis : [];
      for (var i = 0; i < periods.length; i += 1) {
        var row = periods[i] || {};
        if (typeof row.revenue !== 'number') continue;
        rows.push({
          label: t('panel.kpi_revenue') + ', ' + periodLabel(row.period),
          value: formatMoney(row.revenue, view.baseCurrency) + (typeof row.growth === 'number' ? ' (' + formatPercent(row.growth, true) + ')' : '')
        });
      }
      var evaluation = view.evaluation || {};
      if (evaluation.abc) rows.push({ label: t('panel.kpi_abc'), value: evaluation.abc + ' / ' + (evaluation.xyz || '—') });
      return rows;
    }

    var CHART_W = 300;
    var CHART_H = 96;
    var BAND_COLORS = ['#d9f2e3', '#fff1cc', '#f0f0f0', '#e8eefc'];

    function svg(label, inner) {
      return '<svg class="' + PREFIX + '__chart" role="img" aria-label="' + escapeHtml(label) + '" viewBox="0 0 ' + CHART_W + ' ' + (CHART_H + 16) +
        '" width="100%" xmlns="http://www.w3.org/2000/svg"><title>' + escapeHtml(label) + '</title>' + inner + '</svg>';
    }

    function svgText(x, y, text, anchor) {
      return '<text x="' + x + '" y="' + y + '" font-size="10" fill="#6b7785" text-anchor="' + (anchor || 'start') + '">' + escapeHtml(text) + '</text>';
    }

    /** Won revenue of the last 24 months as bars, the highest month labelled; a few SVG rects, no library in amo's page. */
    function revenueChart(view) {
      var months = isArray(view.revenueByMonth) ? view.revenueByMonth : [];
      if (!months.length) return '';
      var max = 0;
      for (var i = 0; i < months.length; i += 1) max = Math.max(max, Number(months[i].revenue) || 0);
      var step = CHART_W / months.length;
      var bars = '';
      for (var j = 0; j < months.length; j += 1) {
        var value = Number(months[j].revenue) || 0;
        var height = max > 0 ? Math.max(value > 0 ? 1 : 0, Math.round((value / max) * (CHART_H - 14))) : 0;
        bars += '<rect x="' + (j * step + 1).toFixed(1) + '" y="' + (CHART_H - height) + '" width="' + Math.max(1, step - 2).toFixed(1) + '" height="' + height +
          '" fill="#4c8bf5"><title>' + escapeHtml(periodLabel(months[j].period) + ': ' + formatMoney(value, view.baseCurrency)) + '</title></rect>';
      }
      var axis = '<line x1="0" y1="' + CHART_H + '" x2="' + CHART_W + '" y2="' + CHART_H + '" stroke="#c9d0d8"/>' +
        svgText(0, 9, t('panel.chart_max') + ' ' + formatMoney(max, view.baseCurrency)) +
        svgText(0, CHART_H + 13, periodLabel(months[0].period)) + svgText(CHART_W, CHART_H + 13, periodLabel(months[months.length - 1].period), 'end');
      return section('panel.revenue24', svg(t('panel.revenue24'), bars + axis));
    }

    /** The score over time on the tier bands (each tier from its minimum score up to the next one's), 0 to 100. */
    function scoreChart(view) {
      var history = isArray(view.scoreHistory) ? view.scoreHistory : [];
      if (!history.length) return '';
      var tiers = isArray(view.tiers) ? view.tiers.slice() : [];
      tiers.sort(function (a, b) { return b.minScore - a.minScore; });
      var y = function (score) { return (CHART_H - (Math.max(0, Math.min(100, score)) / 100) * CHART_H).toFixed(1); };
      var bands = '';
      var top = 100;
      for (var i = 0; i < tiers.length; i += 1) {
        var low = Math.max(0, Math.min(top, Number(tiers[i].minScore) || 0));
        bands += '<rect x="0" y="' + y(top) + '" width="' + CHART_W + '" height="' + (y(low) - y(top)).toFixed(1) + '" fill="' + BAND_COLORS[i % BAND_COLORS.length] + '"/>' +
          svgText(CHART_W - 2, Number(y(top)) + 10, cleanText(tiers[i].label), 'end');
        top = low;
      }
      var points = [];
      var step = history.length > 1 ? CHART_W / (history.length - 1) : 0;
      for (var j = 0; j < history.length; j += 1) points.push((history.length > 1 ? j * step : CHART_W / 2).toFixed(1) + ',' + y(Number(history[j].score) || 0));
      var line = '<polyline points="' + points.join(' ') + '" fill="none" stroke="#2066b0" stroke-width="2"/>';
      var dots = '';
      for (var k = 0; k < history.length; k += 1) {
        var xy = points[k].split(',');
        dots += '<circle cx="' + xy[0] + '" cy="' + xy[1] + '" r="2.5" fill="#2066b0"><title>' +
          escapeHtml(formatDay(history[k].at) + ': ' + formatNumber(history[k].score, 1)) + '</title></circle>';
      }
      var axis = svgText(0, CHART_H + 13, formatDay(history[0].at)) + svgText(CHART_W, CHART_H + 13, formatDay(history[history.length - 1].at), 'end');
      return section('panel.score_history', svg(t('panel.score_history'), bands + line + dots + axis));
    }

    /**
     * The backend's page-facing account view (src/ui/api-types.ts AccountView, the one the
     * Bitrix24 card tab reads) turned into what the panel lays out. A view already in the panel's
     * shape passes through unchanged.
     */
    function normalizeView(view) {
      view = view || {};
      if (!('evaluation' in view) && !('nextSteps' in view && 'tiers' in view)) {
        // Charts are only ever drawn here from numbers: never markup a backend sends.
        view.charts = '';
        return view;
      }
      var evaluation = view.evaluation;
      var account = view.account || {};
      var steps = isArray(view.nextSteps) ? view.nextSteps : [];
      var linkOf = function (link) { return link && link.url; };
      var out = {
        status: view.blocked ? 'blocked' : evaluation ? 'ready' : view.syncing ? 'syncing' : 'not_evaluated',
        account: { name: account.name, owner: account.owner && account.owner.name, link: linkOf(account.link) },
        deal: view.deal ? { title: view.deal.title, stage: view.deal.stage, status: view.deal.status, link: linkOf(view.deal.link) } : null,
        risks: isArray(view.risks) ? view.risks : [],
        nextSteps: [],
        charts: revenueChart(view) + scoreChart(view)
      };
      for (var i = 0; i < steps.length; i += 1) {
        // The task is in the account's language for everyone; a reader of another one gets its kind first, in theirs.
        var other = steps[i].kind && steps[i].titleLang && steps[i].titleLang !== lang();
        out.nextSteps.push({ text: other ? steps[i].kind + ' — ' + steps[i].title : steps[i].title, due: steps[i].due, link: linkOf(steps[i].link) });
      }
      if (!evaluation) return out;
      var tiers = isArray(view.tiers) ? view.tiers : [];
      var label = '';
      for (var j = 0; j < tiers.length; j += 1) if (tiers[j].id === evaluation.tier) label = tiers[j].label;
      out.tier = { id: evaluation.tier, label: label || evaluation.tier };
      out.score = evaluation.score;
      out.asOf = view.asOf;
      var reasons = isArray(evaluation.reasons) ? evaluation.reasons.slice() : [];
      reasons.sort(function (a, b) { return (b && b.points || 0) - (a && a.points || 0); });
      out.reasons = [];
      for (var k = 0; k < reasons.length; k += 1) out.reasons.push({ text: reasons[k] && reasons[k].text, points: reasons[k] && reasons[k].points });
      out.kpis = kpisOf(view);
      return out;
    }

    /** The account view from our backend; see manifest/amocrm/README.md for the shapes it takes. */
    function renderView(raw) {
      var view = normalizeView(raw);
      var status = String(view.status || '');
      var tier = view.tier && typeof view.tier === 'object' ? view.tier : { label: view.tier };
      var tierLabel = cleanText(tier.label || tier.name);
      if (status === 'blocked' && !tierLabel) return message('panel.blocked', false);
      if (status === 'syncing' && !tierLabel) return message('panel.syncing', false);
      if (!tierLabel) return message('panel.not_evaluated', false);
      var account = view.account || {};
      var html = '';
      if (status === 'blocked') html += '<div class="' + PREFIX + '__warning">' + escapeHtml(t('panel.blocked')) + '</div>';
      if (account.name) html += '<div class="' + PREFIX + '__account">' + crmLink(account.link, cleanText(account.name)) + '</div>';
      html += dealLine(view.deal);
      var tierClass = String(tier.id || '').toLowerCase().replace(/[^a-z0-9_-]/g, '');
      html += '<div class="' + PREFIX + '__head">' +
        '<span class="' + PREFIX + '__label">' + escapeHtml(t('panel.tier')) + '</span> ' +
        '<span class="' + PREFIX + '__tier' + (tierClass ? ' ' + PREFIX + '__tier--' + tierClass : '') + '">' + escapeHtml(tierLabel) + '</span>';
      if (view.score !== null && view.score !== undefined && view.score !== '') {
        html += ' <span class="' + PREFIX + '__label">' + escapeHtml(t('panel.score')) + '</span> ' +
          '<span class="' + PREFIX + '__score">' + escapeHtml(formatNumber(typeof view.score === 'number' ? view.score : Number(view.score), 1)) + '</span>';
      }
      html += '</div>';
      if (account.owner) {
        html += '<div class="' + PREFIX + '__muted">' + escapeHtml(t('panel.owner')) + ': ' + escapeHtml(cleanText(account.owner)) + '</div>';
      }
      html += riskList(isArray(view.risks) ? view.risks : []);
      // Built here from numbers and escaped text only (see revenueChart, scoreChart).
      if (typeof view.charts === 'string') html += view.charts;
      html += reasonList(isArray(view.reasons) ? view.reasons : []);
      html += kpiTable(isArray(view.kpis) ? view.kpis : []);
      html += stepList(isArray(view.nextSteps) ? view.nextSteps : []);
      if (view.asOf) html += '<div class="' + PREFIX + '__muted">' + escapeHtml(t('panel.as_of')) + ' ' + escapeHtml(formatDay(view.asOf)) + '</div>';
      return html;
    }

    /** amo does not load style.css by itself: the widget links it once, versioned against caching. */
    function loadStyles() {
      var settings = self.get_settings() || {};
      if (!settings.path) return;
      var href = settings.path + '/style.css?v=' + encodeURIComponent(settings.version || '');
      if ($('link[href="' + href + '"]').length) return;
      $('head').append('<link href="' + escapeHtml(href) + '" type="text/css" rel="stylesheet">');
    }

    function panel() {
      return $('#' + PREFIX + '-panel');
    }

    function loadPanel() {
      var card = currentCard();
      if (!card) return;
      if (!card.id) return panel().html(message('panel.unsaved', false));
      var backend = backendUrl();
      if (!backend) return panel().html(message('panel.no_backend', false));
      panel().html(message('panel.loading', false));
      self.$authorizedAjax({
        url: backend + '/amocrm/widget/account-view',
        method: 'GET',
        dataType: 'json',
        data: { entity: card.entity, id: card.id, lang: lang() }
      }).done(function (view) {
        panel().html(renderView(view));
      }).fail(function (xhr) {
        var status = xhr && xhr.status;
        panel().html(status === 401 || status === 403 ? message('panel.auth_failed', false) : message('panel.error', true));
      });
    }

    function renderAdvancedPage() {
      var code = (self.get_settings() || {}).widget_code;
      var area = $('#work-area-' + code);
      var backend = backendUrl();
      if (!backend) return area.html('<div class="' + PREFIX + '">' + message('advanced.no_backend', false) + '</div>');
      var fallback = backend + '/amocrm/portfolio?lang=' + lang();
      var show = function (url) {
        area.html('<div class="' + PREFIX + ' ' + PREFIX + '--page">' +
          '<p>' + escapeHtml(t('advanced.intro')) + ' <a href="' + escapeHtml(url) + '" target="_blank" rel="noopener">' + escapeHtml(t('advanced.open')) + '</a></p>' +
          '<iframe class="' + PREFIX + '__frame" src="' + escapeHtml(url) + '"></iframe></div>');
      };
      // Our backend may hand out a short-lived signed address for the page (the iframe cannot send X-Auth-Token).
      self.$authorizedAjax({ url: backend + '/amocrm/widget/portfolio-url', method: 'GET', dataType: 'json', data: { lang: lang() } })
        .done(function (answer) {
          show(answer && /^https?:\/\//.test(answer.url) ? answer.url : fallback);
        })
        .fail(function () {
          show(fallback);
        });
    }

    this.callbacks = {
      render: function () {
        if (!currentCard()) return true;
        self.render_template({
          caption: { class_name: PREFIX + '__caption' },
          body: '',
          render: '<div class="' + PREFIX + '" id="' + PREFIX + '-panel">' + message('panel.loading', false) + '</div>'
        });
        loadPanel();
        return true;
      },
      init: function () {
        loadStyles();
        return true;
      },
      bind_actions: function () {
        $(document).off('click' + EVENTS).on('click' + EVENTS, '.' + PREFIX + '__retry', function () {
          loadPanel();
        });
        return true;
      },
      settings: function ($modalBody) {
        var body = $modalBody && $modalBody.find ? $modalBody : $('.widget_settings_block');
        body.find('.' + PREFIX + '__consent').remove();
        body.append('<div class="' + PREFIX + '__consent">' + escapeHtml(t('settings.consent')) + '</div>');
        return true;
      },
      onSave: function (data) {
        var fields = (data && data.fields) || {};
        var url = String(fields.backend_url || '');
        var valid = url === '' || /^https:\/\//.test(url);
        $('.' + PREFIX + '__invalid').remove();
        if (!valid) $('.' + PREFIX + '__consent').after('<div class="' + PREFIX + '__invalid">' + escapeHtml(t('settings.bad_url')) + '</div>');
        return valid;
      },
      destroy: function () {
        $(document).off(EVENTS);
      },
      advancedSettings: function () {
        loadStyles();
        renderAdvancedPage();
        return true;
      }
    };
    return this;
  };
});
