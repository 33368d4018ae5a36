import AdmZip from 'adm-zip';
import { buildAmoWidget } from '../../../scripts/build-amocrm-widget';
import { loadWidget, lookup, visibleText } from './amocrm-widget-env';
import type { AjaxAnswer, FakeAmo } from './amocrm-widget-env';

/** script.js, as shipped in the archive, run in a fake amo card. */
type Json = Record<string, unknown>;
const zip = new AdmZip(buildAmoWidget({ backendUrl: 'https://kam.example.com' }));
const read = (name: string): string => zip.getEntry(name)?.getData().toString('utf8') ?? '';
const source = read('script.js');
const strings = { ru: JSON.parse(read('i18n/ru.json')) as Json, en: JSON.parse(read('i18n/en.json')) as Json };
const say = (lang: 'ru' | 'en', key: string): string => String(lookup(strings[lang], key));

/** The account view as the backend sends it, already in the asked language (README shape). */
const VIEWS: Record<'ru' | 'en', Json> = {
  ru: {
    status: 'ready', account: { name: 'ООО «Альфа» <b>{{ evil }}</b>', owner: 'Борис Manager' },
    tier: { id: 'A', label: 'Ключевой' }, score: 87.5,
    reasons: [{ text: 'Потенциал на 3 года: 12 млн ₽', points: 30 }, { text: 'Маржинальность 22%', points: 12.5 }],
    kpis: [{ label: 'Выручка за 12 мес.', value: '1 200 000 ₽' }, { label: 'Доля побед', value: 0.62 }],
    nextSteps: [{ text: 'Назначить встречу с ЛПР [kam:step:company:1:meeting]', due: '05.07.2026' }],
    asOf: '30.06.2026',
  },
  en: {
    status: 'ready', account: { name: 'Alpha LLC', owner: 'Boris Manager' },
    tier: { id: 'A', label: 'Key account' }, score: 87.5,
    reasons: ['Three-year potential: RUB 12M'],
    kpis: [{ label: 'Revenue, last 12 months', value: 'RUB 1,200,000' }],
    nextSteps: [{ text: 'Book a meeting with the decision maker [kam:step:company:1:meeting]', due: '2026-07-05' }],
    asOf: '2026-06-30',
  },
};

/** What the backend route sends: the page-facing account view (src/ui/api-types.ts AccountView), the Bitrix24 card tab's. */
const RAW_VIEW = {
  asOf: '2026-06-30', baseCurrency: 'RUB', ruleVersion: 'r-7f3a', syncing: false, blocked: false,
  account: { id: '1', name: 'ООО «Альфа»', industry: null, owner: { id: '', name: 'Борис Manager' }, link: null, contractEnd: null, satisfaction: null },
  deal: null as Json | null,
  tiers: [{ id: 'A', minScore: 70, label: 'Ключевой' }, { id: 'B', minScore: 40, label: 'Развитие' }, { id: 'C', minScore: 0, label: 'Стандарт' }],
  evaluation: {
    tier: 'A', score: 87.5, pointsToNextTier: null, nextTier: null, abc: 'A', xyz: 'X',
    reasons: [
      { criterion: 'margin', label: 'Маржа', points: 12.5, maxPoints: 25, achievement: 0.5, text: 'Маржинальность 22%', source: 'primary' },
      { criterion: 'potential3y', label: 'Потенциал', points: 30, maxPoints: 30, achievement: 1, text: 'Потенциал 12 млн', source: 'primary' },
    ],
  } as Json | null,
  revenueByMonth: Array.from({ length: 24 }, (_, i) => ({ period: { granularity: 'month', start: `${2024 + Math.floor((i + 6) / 12)}-${String(((i + 6) % 12) + 1).padStart(2, '0')}-01`, end: '' }, revenue: i === 20 ? 500_000 : i * 1000 })),
  scoreHistory: [{ at: '2026-05-31', score: 60, tier: 'B', ruleVersion: 'r-7f3a' }, { at: '2026-06-30', score: 87.5, tier: 'A', ruleVersion: 'r-7f3a' }],
  kpis: [
    { period: { granularity: 'month', start: '2026-06-01', end: '2026-06-30' }, revenue: 100_000, previousRevenue: 0, growth: null, wonDeals: 1, winRate: null },
    { period: { granularity: 'year', start: '2025-01-01', end: '2025-12-31' }, revenue: 1_200_000, previousRevenue: 1_000_000, growth: 0.12, wonDeals: 9, winRate: 0.625 },
  ],
  nextSteps: [{ id: '1', title: 'Назначить встречу', due: '2026-07-05', overdue: false, owner: { id: '2', name: 'Борис Manager' }, link: null as Json | null }],
  risks: [] as Json[],
};

function card(lang: 'ru' | 'en', answer: (request: Json) => AjaxAnswer, overrides: Partial<{ area: string; cardId: number; settings: Json }> = {}): FakeAmo {
  return loadWidget({ source, strings: strings[lang], lang, area: 'comcard', cardId: 42, answer, ...overrides });
}

const panelOf = (amo: FakeAmo): string => amo.dom.get('#kam-pilot-panel') ?? '';

describe.each(['ru', 'en'] as const)('amoCRM widget card panel (%s)', (lang) => {
  it('asks our backend with the disposable token for this card and renders the account view', () => {
    const amo = card(lang, () => ({ ok: true, body: VIEWS[lang] }), { settings: { path: '/upl/kam_pilot/widget', version: '0.1.0' } });
    expect(amo.callbacks['init']?.()).toBe(true);
    amo.callbacks['init']?.();
    expect(amo.dom.get('head')).toBe('<link href="/upl/kam_pilot/widget/style.css?v=0.1.0" type="text/css" rel="stylesheet">');
    expect(amo.callbacks['bind_actions']?.()).toBe(true);
    expect(amo.callbacks['render']?.()).toBe(true);
    expect(amo.templates).toEqual([expect.objectContaining({ caption: { class_name: 'kam-pilot__caption' }, render: expect.stringContaining('id="kam-pilot-panel"') })]);
    expect(amo.requests).toEqual([expect.objectContaining({
      url: 'https://kam.example.com/amocrm/widget/account-view', method: 'GET', data: { entity: 'companies', id: 42, lang },
    })]);
    const text = visibleText(panelOf(amo));
    const view = VIEWS[lang];
    for (const key of ['panel.tier', 'panel.score', 'panel.reasons', 'panel.kpis', 'panel.next_steps', 'panel.owner', 'panel.as_of']) expect(text).toContain(say(lang, key));
    expect(text).toContain((view['tier'] as Json)['label'] as string);
    expect(text).toContain(lang === 'ru' ? '87,5' : '87.5');
    expect(text).toContain(lang === 'ru' ? 'Назначить встречу с ЛПР' : 'Book a meeting with the decision maker');
    // No dedup marker, internal id, i18n key or empty value reaches the user.
    expect(text).not.toMatch(/\[kam:|step:company|panel\.|undefined|null|NaN/);
    const other = lang === 'ru' ? 'en' : 'ru';
    expect(text).not.toContain(say(other, 'panel.reasons'));
  });

  it('maps the card area to its entity and says so when the card is not saved yet', () => {
    const lead = card(lang, () => ({ ok: true, body: VIEWS[lang] }), { area: 'lcard', cardId: 7 });
    lead.callbacks['render']?.();
    expect(lead.requests[0]?.['data']).toEqual({ entity: 'leads', id: 7, lang });
    const fresh = card(lang, () => ({ ok: true, body: VIEWS[lang] }), { area: 'ccard', cardId: 0 });
    fresh.callbacks['render']?.();
    expect(fresh.requests).toEqual([]);
    expect(visibleText(panelOf(fresh))).toBe(say(lang, 'panel.unsaved'));
  });

  it('shows not-rated, syncing and blocked states, a refused token, and retries after an error', () => {
    for (const [status, key] of [['not_evaluated', 'panel.not_evaluated'], ['syncing', 'panel.syncing'], ['blocked', 'panel.blocked']] as const) {
      const amo = card(lang, () => ({ ok: true, body: { status, tier: null } }));
      amo.callbacks['render']?.();
      expect(visibleText(panelOf(amo))).toBe(say(lang, key));
    }
    const refused = card(lang, () => ({ ok: false, status: 401 }));
    refused.callbacks['render']?.();
    expect(visibleText(panelOf(refused))).toBe(say(lang, 'panel.auth_failed'));

    let fail = true;
    const flaky = card(lang, () => (fail ? { ok: false, status: 502 } : { ok: true, body: VIEWS[lang] }));
    flaky.callbacks['bind_actions']?.();
    flaky.callbacks['render']?.();
    expect(visibleText(panelOf(flaky))).toBe(`${say(lang, 'panel.error')} ${say(lang, 'panel.retry')}`);
    fail = false;
    flaky.click('.kam-pilot__retry');
    expect(flaky.requests).toHaveLength(2);
    expect(visibleText(panelOf(flaky))).toContain(say(lang, 'panel.next_steps'));
  });

  it('lays out the page-facing account view: tier label, reasons by points, labelled KPIs, charts, steps, nothing internal', () => {
    const amo = card(lang, () => ({ ok: true, body: { ...RAW_VIEW, lang } }));
    amo.callbacks['render']?.();
    const text = visibleText(panelOf(amo));
    // The backend words the view in the asked language; the panel lays it out.
    expect(text).toContain('Ключевой');
    const [first, second] = ['Потенциал 12 млн', 'Маржинальность 22%'];
    expect(text.indexOf(first)).toBeLessThan(text.indexOf(second));
    for (const key of ['panel.kpi_abc', 'panel.revenue24', 'panel.score_history']) expect(text).toContain(say(lang, key));
    expect(text).toContain(`${say(lang, 'panel.kpi_revenue')}, 2025`);
    expect(text).toContain(lang === 'ru' ? '1 200 000 RUB (+12%)' : '1,200,000 RUB (+12%)');
    expect(text).toContain(lang === 'ru' ? 'июн. 2026' : 'Jun 2026');
    // The two charts: 24 revenue bars, the tallest the 500 000 month; the score line over the three tier bands.
    const html = panelOf(amo);
    const bars = [...html.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#4c8bf5">/g)].map((m) => Number(m[2]));
    expect(bars).toHaveLength(24);
    expect(Math.max(...bars)).toBe(bars[20]);
    expect(html.match(/<rect x="0" y="[\d.]+" width="300"/g)).toHaveLength(3);
    expect(html).toMatch(/<polyline points="0\.0,38\.4 300\.0,12\.0"/);
    expect(text).toContain('Стандарт');
    expect(text).toContain('Назначить встречу');
    expect(text).toContain(lang === 'ru' ? '5 июл. 2026 г.' : 'Jul 5, 2026');
    expect(text).not.toMatch(/r-7f3a|potential3y|criterion|undefined|null|NaN/);

    const syncing = card(lang, () => ({ ok: true, body: { ...RAW_VIEW, evaluation: null, syncing: true, nextSteps: [] } }));
    syncing.callbacks['render']?.();
    expect(visibleText(panelOf(syncing))).toBe(say(lang, 'panel.syncing'));
    const blocked = card(lang, () => ({ ok: true, body: { ...RAW_VIEW, blocked: true } }));
    blocked.callbacks['render']?.();
    expect(visibleText(panelOf(blocked))).toContain(say(lang, 'panel.blocked'));
  });

  it('shows risk signals, the lead with its stage, and links the account, the lead and each step to their amo cards', () => {
    const body = {
      ...RAW_VIEW,
      account: { ...RAW_VIEW.account, link: { entity: 'company', id: '1', url: 'https://acme.amocrm.ru/companies/detail/1' } },
      deal: { id: '77', title: 'Поставка [kam:x]', amount: 5, currency: 'RUB', status: 'open', closeDate: null, stage: 'Переговоры', link: { entity: 'deal', id: '77', url: 'https://acme.amocrm.ru/leads/detail/77' } },
      nextSteps: RAW_VIEW.nextSteps.map((step) => ({ ...step, link: { entity: 'task', id: '991', url: 'https://acme.amocrm.ru/companies/detail/1' } })),
      risks: [{ kind: 'contractEnding', text: lang === 'ru' ? 'договор заканчивается 15 июл. 2026 г., через 15 дней' : 'contract ends 15 Jul 2026, in 15 days' }],
    };
    const amo = card(lang, () => ({ ok: true, body }));
    amo.callbacks['render']?.();
    const html = panelOf(amo);
    const text = visibleText(html);
    expect(text).toContain(say(lang, 'panel.risks'));
    expect(text).toContain(body.risks[0]!.text);
    expect(text).toContain(`${say(lang, 'panel.deal')}: Поставка ${say(lang, 'panel.stage')}: Переговоры`);
    expect(html).toContain('<a class="kam-pilot__link" href="https://acme.amocrm.ru/companies/detail/1">ООО «Альфа»</a>');
    expect(html).toContain('href="https://acme.amocrm.ru/leads/detail/77"');
    expect(html.match(/href="https:\/\/acme\.amocrm\.ru\/companies\/detail\/1"/g)).toHaveLength(2);
    // In amo's own page: no target, the card opens in place.
    expect(html).not.toContain('target=');

    const won = card(lang, () => ({ ok: true, body: { ...body, deal: { ...body.deal, stage: null, status: 'won' }, account: { ...body.account, link: { entity: 'company', id: '1', url: 'javascript:alert(1)' } } } }));
    won.callbacks['render']?.();
    expect(visibleText(panelOf(won))).toContain(`${say(lang, 'panel.stage')}: ${say(lang, 'panel.deal_status_won')}`);
    expect(panelOf(won)).not.toContain('javascript:');
  });

  it("leads a to-do written in another language than the reader's with its kind in the reader's", () => {
    const kind = lang === 'ru' ? 'План по ключевому клиенту' : 'Key account plan';
    const nextSteps = [{ ...RAW_VIEW.nextSteps[0], titleLang: 'ru', kind }];
    const amo = card(lang, () => ({ ok: true, body: { ...RAW_VIEW, nextSteps } }));
    amo.callbacks['render']?.();
    const text = visibleText(panelOf(amo));
    if (lang === 'en') expect(text).toContain('Key account plan — Назначить встречу');
    else expect(text).not.toContain(kind);
    expect(text).toContain('Назначить встречу');
  });

  it('escapes what the backend sends, Twig braces included', () => {
    const amo = card(lang, () => ({ ok: true, body: VIEWS.ru }));
    amo.callbacks['render']?.();
    expect(panelOf(amo)).not.toContain('<b>');
    expect(panelOf(amo)).not.toContain('{{');
    expect(visibleText(panelOf(amo))).toContain('ООО «Альфа» <b>{{ evil }}</b>');
  });

  it('opens our portfolio page on the advanced settings page and states the data transfer in settings', () => {
    const amo = card(lang, () => ({ ok: true, body: { url: 'https://kam.example.com/amocrm/portfolio?t=signed' } }), { area: 'advanced_settings' });
    expect(amo.callbacks['advancedSettings']?.()).toBe(true);
    expect(amo.requests[0]).toEqual(expect.objectContaining({ url: 'https://kam.example.com/amocrm/widget/portfolio-url', data: { lang } }));
    const page = amo.dom.get('#work-area-kam_pilot') ?? '';
    expect(page).toContain('<iframe class="kam-pilot__frame" src="https://kam.example.com/amocrm/portfolio?t=signed"');
    expect(visibleText(page)).toContain(say(lang, 'advanced.open'));

    const offline = card(lang, () => ({ ok: false, status: 404 }), { area: 'advanced_settings', settings: { backend_url: 'https://other.example.org/' } });
    offline.callbacks['advancedSettings']?.();
    expect(offline.dom.get('#work-area-kam_pilot')).toContain(`src="https://other.example.org/amocrm/portfolio?lang=${lang}"`);

    amo.callbacks['settings']?.(undefined);
    expect(visibleText(amo.dom.get('.widget_settings_block') ?? '')).toBe(say(lang, 'settings.consent'));
    expect(amo.callbacks['onSave']?.({ fields: { backend_url: 'http://plain.example.com' } })).toBe(false);
    expect(visibleText(amo.dom.get('.kam-pilot__consent+') ?? '')).toBe(say(lang, 'settings.bad_url'));
    expect(amo.callbacks['onSave']?.({ fields: { backend_url: 'https://kam.example.com' } })).toBe(true);
    expect(amo.callbacks['onSave']?.({ fields: {} })).toBe(true);
  });
});

it('uses the widget setting over the built-in backend, and says when there is none at all', () => {
  const amo = card('en', () => ({ ok: true, body: VIEWS.en }), { settings: { backend_url: 'https://own.example.org/' } });
  amo.callbacks['render']?.();
  expect(amo.requests[0]?.['url']).toBe('https://own.example.org/amocrm/widget/account-view');
  const bare = new AdmZip(buildAmoWidget({ backendUrl: null })).getEntry('script.js')?.getData().toString('utf8') ?? '';
  const none = loadWidget({ source: bare, strings: strings.en, lang: 'en', area: 'comcard', cardId: 1, answer: () => ({ ok: true, body: {} }) });
  none.callbacks['render']?.();
  expect(none.requests).toEqual([]);
  expect(visibleText(none.dom.get('#kam-pilot-panel') ?? '')).toBe(say('en', 'panel.no_backend'));
});
