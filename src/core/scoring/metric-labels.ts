import { i18n, type Lang } from '../i18n/messages';

export type Texts = Record<Lang, string>;

/**
 * The label template for a metric, with a user-given label taking precedence. The built-in
 * labels are the catalogue's `metric.*` messages (src/core/i18n); `{value}` marks where the value
 * goes, `{p}` a period KPI's period ("Revenue {value} in the report quarter").
 */
export function metricLabel(metric: string, lang: Lang, custom?: Partial<Texts>): string {
  const given = custom?.[lang];
  if (given) return given.includes('{value}') ? given : `${given} {value}`;
  const { lookup } = i18n(lang);
  if (metric.startsWith('field:')) {
    const key = metric.slice('field:'.length);
    return lookup(`metric.field.${key}`) ?? `${key} {value}`;
  }
  const dot = metric.indexOf('.');
  if (dot > 0) {
    const template = lookup(`metric.period.${metric.slice(dot + 1)}`) ?? `${metric} {value}`;
    const period = lookup(`metric.periodName.${metric.slice(0, dot)}`) ?? metric.slice(0, dot);
    // "к предыдущему кварталу": the dative ending is added to the noun; "год" becomes "году".
    return template.replace('{p}у', `${period}у`).replace('{p}', period);
  }
  return lookup(`metric.${metric}`) ?? `${metric} {value}`;
}

export function fillLabel(template: string, valueText: string | null): string {
  if (valueText === null) return template.replace(/:?\s*\{value\}/, '').trim();
  return template.replace('{value}', valueText);
}
