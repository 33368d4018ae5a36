import type { Lang } from '../i18n/format-values';

export type Texts = Record<Lang, string>;

/** How each built-in metric is named in a reason; `{value}` marks where the value goes. */
const ACCOUNT: Record<string, Texts> = {
  revenue12m: { en: 'Revenue {value} over the last 12 months', ru: 'Выручка {value} за последние 12 месяцев' },
  revenuePrev12m: { en: 'Revenue {value} in the 12 months before', ru: 'Выручка {value} за предыдущие 12 месяцев' },
  growthYoY: { en: 'Growth {value} year on year', ru: 'Рост {value} год к году' },
  ltv: { en: 'Lifetime value {value}', ru: 'Пожизненная ценность (LTV) {value}' },
  romi: { en: 'Profit-based ROMI {value}', ru: 'ROMI по прибыли {value}' },
  abc: { en: 'ABC class {value}', ru: 'ABC-класс {value}' },
  xyz: { en: 'XYZ class {value}', ru: 'XYZ-класс {value}' },
  daysSinceLastWon: { en: 'Last won deal {value} ago', ru: 'Последняя выигранная сделка {value} назад' },
  relationshipYears: { en: 'Customer for {value}', ru: 'Клиент уже {value}' },
  potentialForecast3y: { en: 'Potential forecast {value} over 3 years', ru: 'Прогноз потенциала {value} за 3 года' },
  margin: { en: 'Margin {value}', ru: 'Маржа {value}' },
  lifetimeYears: { en: 'Expected customer lifetime {value}', ru: 'Ожидаемый срок жизни клиента {value}' },
  industry: { en: 'Industry {value}', ru: 'Отрасль {value}' },
};

const FIELDS: Record<string, Texts> = {
  potential3y: { en: 'Potential {value} over 3 years', ru: 'Потенциал {value} за 3 года' },
  margin: { en: 'Margin {value}', ru: 'Маржа {value}' },
  satisfaction: { en: 'Satisfaction {value}', ru: 'Удовлетворённость {value}' },
  marketingCost: { en: 'Marketing cost {value}', ru: 'Маркетинговые затраты {value}' },
};

const PERIOD: Record<string, Texts> = {
  revenue: { en: 'Revenue {value} in the report {p}', ru: 'Выручка {value} за отчётный {p}' },
  previousRevenue: { en: 'Revenue {value} in the previous {p}', ru: 'Выручка {value} за предыдущий {p}' },
  growth: { en: 'Growth {value} on the previous {p}', ru: 'Рост {value} к предыдущему {p}у' },
  wonDeals: { en: 'Won deals in the report {p}: {value}', ru: 'Выиграно сделок за отчётный {p}: {value}' },
  lostDeals: { en: 'Lost deals in the report {p}: {value}', ru: 'Проиграно сделок за отчётный {p}: {value}' },
  winRate: { en: 'Win rate {value} in the report {p}', ru: 'Доля выигранных сделок {value} за отчётный {p}' },
  averageDeal: { en: 'Average deal {value} in the report {p}', ru: 'Средняя сделка {value} за отчётный {p}' },
  cycleDays: { en: 'Sales cycle {value} in the report {p}', ru: 'Цикл сделки {value} за отчётный {p}' },
};

const PERIOD_NAMES: Record<string, Texts> = {
  month: { en: 'month', ru: 'месяц' },
  quarter: { en: 'quarter', ru: 'квартал' },
  year: { en: 'year', ru: 'год' },
};

/** The label template for a metric, with a user-given label taking precedence. */
export function metricLabel(metric: string, lang: Lang, custom?: Partial<Texts>): string {
  const given = custom?.[lang];
  if (given) return given.includes('{value}') ? given : `${given} {value}`;
  if (metric.startsWith('field:')) {
    const key = metric.slice('field:'.length);
    return FIELDS[key]?.[lang] ?? `${key} {value}`;
  }
  const dot = metric.indexOf('.');
  if (dot > 0) {
    const template = PERIOD[metric.slice(dot + 1)]?.[lang] ?? `${metric} {value}`;
    const period = PERIOD_NAMES[metric.slice(0, dot)]?.[lang] ?? metric.slice(0, dot);
    // "к предыдущему кварталу": the dative ending is added to the noun; "год" becomes "году".
    return template.replace('{p}у', `${period}у`).replace('{p}', period);
  }
  return ACCOUNT[metric]?.[lang] ?? `${metric} {value}`;
}

export function fillLabel(template: string, valueText: string | null): string {
  if (valueText === null) return template.replace(/:?\s*\{value\}/, '').trim();
  return template.replace('{value}', valueText);
}
