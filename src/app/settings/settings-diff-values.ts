import { i18n, type Lang } from '../../core/i18n/messages';
import type { PageMessages } from '../../core/i18n/messages.pages';
import { fillLabel, metricLabel } from '../../core/scoring/metric-labels';
import type { NamedSettings } from './settings-diff-labels';

/** What the value formatter knows besides the document: the CRM's own fields by code, under the CRM's names. */
export interface ValueContext {
  doc: NamedSettings;
  crmFieldNames: ReadonlyMap<string, string>;
  /** The connector's own mapping: a field map entry not stored (null) means this field. */
  defaultFieldMap?: Readonly<Record<string, string | null | undefined>>;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isLabelPair = (value: Record<string, unknown>) => Object.keys(value).length > 0 && Object.keys(value).every((key) => key === 'ru' || key === 'en');

/**
 * One side of a settings-history change (`before` or `after`) as the admin reads it, in the
 * reader's language: a metric by its name, a CRM field by the CRM's name, a switch as on or off,
 * a tier by its label, a language or period by its name, numbers as the reader writes them, and a
 * whole criterion added or removed by its name. Never a configuration key, a field code or JSON.
 */
export function describeSettingsValue(path: string, value: unknown, context: ValueContext, lang: Lang): string {
  const { pages: m, fmt, industry, t } = i18n(lang);
  const dash = t('common.none');
  const [section, first, ...rest] = path.split('.');
  const last = rest.at(-1) ?? first;
  const metric = (code: string) => {
    const field = code.startsWith('field:') ? context.crmFieldNames.get(code.slice('field:'.length)) : undefined;
    return field ?? fillLabel(metricLabel(code, lang), null);
  };
  const tierName = (id: string) => i18n(lang).tier(context.doc.tiers, id);
  if (value === undefined || value === null) {
    const standard = section === 'fieldMap' && first ? context.defaultFieldMap?.[first] : null;
    if (section === 'fieldMap') return (standard && context.crmFieldNames.get(standard)) || m.fieldNotMapped;
    if (last === 'tiers' && section === 'rules') return m.allTiers;
    return dash;
  }
  if (typeof value === 'boolean') return value ? m.switchOn : m.switchOff;
  if (typeof value === 'number') return fmt.number(value, 6);
  if (typeof value === 'string') return describeText(section, last, value, { m, metric, tierName, crmFieldNames: context.crmFieldNames });
  if (Array.isArray(value)) {
    if ((section === 'rules' && last === 'tiers') || section === 'summaryTiers') return value.map((id) => tierName(String(id))).join(', ');
    if (last === 'steps') return value.map((step) => describeStep(step, fmt.number)).join('; ');
    if (section === 'rules' && last === 'holidays') return value.map((day) => fmt.date(String(day))).join(', ');
    return m.changedValue;
  }
  if (isObject(value)) {
    if (isLabelPair(value)) return typeof value[lang] === 'string' ? (value[lang] as string) : dash;
    // A criterion added or removed whole: named by its label or its metric.
    if (section === 'criteria' && rest.length === 0 && typeof value.metric === 'string') {
      const label = isObject(value.label) && typeof value.label[lang] === 'string' ? (value.label[lang] as string) : metric(value.metric);
      return typeof value.weight === 'number' ? `${label}, ${m.weight.toLocaleLowerCase(lang)} ${fmt.number(value.weight, 6)}` : label;
    }
    if (last === 'values') return Object.entries(value).map(([code, points]) => `${industry(code)} ${typeof points === 'number' ? fmt.number(points, 6) : dash}`).join(', ');
    if ('gte' in value || 'lte' in value) return describeStep(value, fmt.number);
    if (last === 'scale' && typeof value.type === 'string') return m.scaleType[value.type as keyof PageMessages['scaleType']] ?? m.changedValue;
  }
  return m.changedValue;
}

function describeText(
  section: string | undefined,
  last: string | undefined,
  value: string,
  helpers: { m: PageMessages; metric: (code: string) => string; tierName: (id: string) => string; crmFieldNames: ReadonlyMap<string, string> },
): string {
  const { m } = helpers;
  if (section === 'lang' && (value === 'ru' || value === 'en')) return m.languages[value];
  if (section === 'summaryPeriod' && (value === 'month' || value === 'quarter' || value === 'year')) return m.granularity[value];
  if (section === 'fieldMap') return helpers.crmFieldNames.get(value) ?? m.changedValue;
  if (section === 'criteria' && (last === 'metric' || last === 'fallback')) return helpers.metric(value);
  if (section === 'criteria' && last === 'type') return m.scaleType[value as keyof PageMessages['scaleType']] ?? m.changedValue;
  // A label the admin typed reads as typed; a code (a criterion's or a tier's id) is not for people.
  if (last === 'ru' || last === 'en') return value;
  if (last === 'keyTier') return helpers.tierName(value);
  if (section === 'rules' && last === 'field') return helpers.metric(`field:${value}`);
  return m.changedValue;
}

function describeStep(step: unknown, number: (value: number, digits?: number) => string): string {
  if (!isObject(step)) return '';
  const bounds = [typeof step.gte === 'number' ? `≥ ${number(step.gte, 6)}` : null, typeof step.lte === 'number' ? `≤ ${number(step.lte, 6)}` : null].filter(Boolean).join(', ');
  return `${bounds} → ${typeof step.value === 'number' ? number(step.value, 6) : ''}`;
}
