import { runInNewContext } from 'node:vm';

/**
 * A tiny fake of the amo page a widget lives in: RequireJS `define`, a jQuery stand-in that
 * records markup by selector, and the widget base methods amo mixes in (i18n, system,
 * get_settings, render_template, $authorizedAjax). Enough to run script.js as amo would
 * (https://www.amocrm.ru/developers/content/integrations/script_js).
 */
type Json = Record<string, unknown>;

export function lookup(strings: Json, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Json)[part] : undefined), strings);
}

/** Keys script.js asks for: every quoted 'section.key' of the i18n sections, however it reaches t(). */
export function i18nKeysUsedIn(source: string): string[] {
  const keys = new Set<string>();
  for (const match of source.matchAll(/'((?:widget|settings|advanced|panel)\.[a-z0-9_]+)'/g)) if (match[1]) keys.add(match[1]);
  return [...keys].sort();
}

export type AjaxAnswer = { ok: true; body: unknown } | { ok: false; status: number };

export interface FakeAmoOptions {
  source: string;
  strings: Json;
  lang: string;
  area: string;
  cardId: number;
  settings?: Json;
  answer(request: Json): AjaxAnswer;
}

export interface FakeAmo {
  callbacks: Record<string, (...args: unknown[]) => unknown>;
  dom: Map<string, string>;
  requests: Json[];
  templates: Json[];
  /** Runs the click handlers bound on document for this class selector. */
  click(selector: string): void;
}

export function loadWidget(options: FakeAmoOptions): FakeAmo {
  const dom = new Map<string, string>();
  const requests: Json[] = [];
  const templates: Json[] = [];
  const handlers: Array<{ selector: string; run: () => void }> = [];
  interface Element {
    length: number;
    html(markup: string): Element;
    append(markup: string): Element;
    after(markup: string): Element;
    find(selector: string): Element;
    remove(): Element;
    off(): Element;
    on(events: string, selector: string, run: () => void): Element;
  }
  const element = (selector: string): Element => {
    const self: Element = {
      // A link tag counts as present once some markup in <head> carries it.
      length: selector.startsWith('link[href="') ? Number((dom.get('head') ?? '').includes(selector.slice(11, -2))) : Number(dom.has(selector)),
      html: (markup) => (dom.set(selector, markup), self),
      append: (markup) => (dom.set(selector, (dom.get(selector) ?? '') + markup), self),
      after: (markup) => (dom.set(`${selector}+`, markup), self),
      find: (inner) => element(`${selector} ${inner}`),
      remove: () => (dom.delete(selector), self),
      off: () => (handlers.length = 0, self),
      on: (_events, inner, run) => (handlers.push({ selector: inner, run }), self),
    };
    return self;
  };
  const jquery = (selector: unknown): Element => element(typeof selector === 'string' ? selector : 'document');
  let factory: ((jq: typeof jquery) => new () => unknown) | null = null;
  const define = (deps: string[], build: typeof factory): void => {
    if (deps.join(',') !== 'jquery') throw new Error(`unexpected AMD dependencies ${deps.join(',')}`);
    factory = build;
  };
  const window = { APP: { lang_id: options.lang, data: { current_card: { id: options.cardId } } } };
  runInNewContext(options.source, { define, window, document: {} });
  if (!factory) throw new Error('script.js did not call define');
  const Widget = (factory as (jq: typeof jquery) => (this: Json) => unknown)(jquery);
  const base = {
    i18n: (section: string) => options.strings[section],
    system: () => ({ area: options.area, amouser_id: 7, subdomain: 'kampilot' }),
    get_settings: () => ({ widget_code: 'kam_pilot', ...(options.settings ?? {}) }),
    render_template: (params: Json) => templates.push(params),
    $authorizedAjax: (request: Json) => {
      requests.push(request);
      const answer = options.answer(request);
      const deferred = {
        done: (run: (body: unknown) => void) => (answer.ok && run(answer.body), deferred),
        fail: (run: (xhr: { status: number }) => void) => (!answer.ok && run({ status: answer.status }), deferred),
      };
      return deferred;
    },
  };
  const widget = Object.create(base) as Json;
  Widget.call(widget);
  return {
    callbacks: widget['callbacks'] as FakeAmo['callbacks'],
    dom,
    requests,
    templates,
    click(selector) {
      for (const handler of handlers.filter((item) => item.selector === selector)) handler.run();
    },
  };
}

/** What a user would read: tags dropped, entities decoded, spaces collapsed. */
export function visibleText(markup: string): string {
  return markup.replace(/<[^>]+>/g, ' ').replace(/&#123;/g, '{').replace(/&#125;/g, '}').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}
