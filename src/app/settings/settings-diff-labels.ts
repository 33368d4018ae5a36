import { i18n, type Lang } from '../../core/i18n/messages';
import type { RuleParamKey } from '../../core/i18n/messages.pages';
import { DEFAULT_CRITERIA } from '../../core/scoring/default-criteria';
import { fillLabel, metricLabel } from '../../core/scoring/metric-labels';

type Labelled = { label?: Partial<Record<Lang, string>> | undefined };
/** What the labeller reads of a settings document: the criteria's and the tiers' names. */
export interface NamedSettings {
  criteria: ReadonlyArray<Labelled & { metric: string }>;
  tiers: ReadonlyArray<Labelled & { id: string }>;
}

/**
 * One of our inputs (a field map key) by its name: the metric's when a criterion can read it
 * (potential3y), else the field the app adds to the CRM (contractEnd), never the key itself.
 */
export function inputName(key: string, lang: Lang): string {
  const { lookup } = i18n(lang);
  if (lookup(`metric.field.${key}`) !== null) return fillLabel(metricLabel(`field:${key}`, lang), null);
  return lookup(`crmField.${key}`) ?? i18n(lang).pages.fieldMapping;
}

/**
 * A settings-history path (`criteria.0.weight`, `rules.rules.noContact.days`) as the admin reads
 * it: "Потенциал за 3 года: вес" / "Potential over 3 years: weight". Criteria and tiers are
 * named from the current document (the history stores diffs, not whole documents); a part the
 * labeller does not know is named by its section, never by the raw key.
 */
export function describeSettingsPath(path: string, doc: NamedSettings, lang: Lang): string {
  const { pages: m, industry, tier } = i18n(lang);
  const lower = (text: string) => text.charAt(0).toLocaleLowerCase(lang) + text.slice(1);
  const join = (subject: string, field: string | null) => (field ? `${subject}: ${lower(field)}` : subject);
  const labelField = (sub: string | undefined) => (sub === 'ru' ? m.labelRu : sub === 'en' ? m.labelEn : m.name);
  const [section, first, ...rest] = path.split('.');
  if (section === 'criteria') {
    const index = Number(first);
    const criterion = doc.criteria[index];
    const name = criterion
      ? criterion.label?.[lang] ?? fillLabel(metricLabel(criterion.metric, lang), null)
      : `${m.criteria} ${index + 1}`;
    const [field, sub, key] = rest;
    const scaleField = sub === 'values' && key ? `${m.mapValues}, ${industry(key)}`
      : sub === 'min' ? m.min : sub === 'max' ? m.max : sub === 'default' ? m.mapDefault : sub === 'steps' ? m.steps : m.scale;
    const fields: Record<string, string> = { id: m.criterionId, metric: m.metric, weight: m.weight, fallback: m.fallback, scale: scaleField };
    const label = field === 'label' ? labelField(sub) : field === undefined ? null : fields[field] ?? null;
    return join(name, label);
  }
  if (section === 'tiers') {
    const index = Number(first);
    // A tier saved without a label is named as the default tiers name it, never by its id.
    const id = doc.tiers[index]?.id;
    const named = [...doc.tiers.filter((t) => t.label?.[lang]), ...DEFAULT_CRITERIA.tiers];
    const name = id && named.some((t) => t.id === id) ? tier(named, id) : `${m.tiers} ${index + 1}`;
    const [field, sub] = rest;
    const label = field === 'minScore' ? m.minScore : field === 'id' ? m.tierId : field === 'label' ? labelField(sub) : null;
    return join(name, label);
  }
  if (section === 'rules') {
    if (first === 'maxNewTasksPerOwnerPerDay') return m.dailyCap;
    const [rule, param] = rest;
    if (first !== 'rules' || !rule || !Object.hasOwn(m.ruleName, rule)) return m.rules;
    const ruleName = m.ruleName[rule as keyof typeof m.ruleName];
    const label = param === 'enabled' ? m.enabled : param === 'tiers' ? m.tiers
      : param && Object.hasOwn(m.ruleParam, param) ? m.ruleParam[param as RuleParamKey].label : null;
    return join(ruleName, label);
  }
  if (section === 'fieldMap') return first ? join(m.fieldMapping, inputName(first, lang)) : m.fieldMapping;
  if (section === 'hysteresis') return m.hysteresis;
  if (section === 'lang') return m.language;
  if (section === 'summaryPeriod') return m.summaryPeriod;
  return m.changes;
}
