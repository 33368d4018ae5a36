import { i18n } from '../../core/i18n/messages';
import { en } from '../../core/i18n/messages.en';
import { GRANULARITIES } from '../../core/model/periods';
import { fillLabel, metricLabel } from '../../core/scoring/metric-labels';
import { ACCOUNT_METRICS, PERIOD_METRICS, defaultUnit, type MetricUnit } from '../../core/scoring/metrics';

export interface MetricOption {
  /** What a criterion's `metric` or `fallback` holds. */
  metric: string;
  name: { ru: string; en: string };
  unit: MetricUnit;
  /** `kpi`: computed by the engine; `field`: read from the CRM (through the field map). */
  kind: 'kpi' | 'field';
  /** A list metric's values, which a map scale gives points to, named in both languages. */
  values?: Array<{ id: string; name: { ru: string; en: string } }>;
}

/** The industry codes the catalogue names (Bitrix24's INDUSTRY list), in the catalogue's order. */
export const INDUSTRY_CODES: readonly string[] = Object.keys(en).filter((key) => key.startsWith('industry.')).map((key) => key.slice('industry.'.length));

/** Industries by their names: the catalogue's, then any other code a criterion already gives points to. */
export function industryValues(extraCodes: Iterable<string> = []): NonNullable<MetricOption['values']> {
  const codes = [...new Set([...INDUSTRY_CODES, ...extraCodes])];
  return codes.map((id) => ({ id, name: { ru: i18n('ru').industry(id), en: i18n('en').industry(id) } }));
}

/** Our input fields (the field map's keys); the CRM's other fields come from its reference data. */
const INPUT_FIELD_KEYS = ['potential3y', 'margin', 'satisfaction', 'marketingCost'];

const option = (metric: string, kind: MetricOption['kind']): MetricOption => ({
  metric,
  name: { ru: fillLabel(metricLabel(metric, 'ru'), null), en: fillLabel(metricLabel(metric, 'en'), null) },
  unit: defaultUnit(metric),
  kind,
});

/** Every metric a criterion can read, named in both languages, for the settings page's pickers. */
export function metricCatalog(): MetricOption[] {
  return [
    ...ACCOUNT_METRICS.map((metric) => option(metric, 'kpi')),
    ...GRANULARITIES.flatMap((g) => PERIOD_METRICS.map((kpi) => option(`${g}.${kpi}`, 'kpi'))),
    { ...option('industry', 'field'), values: industryValues() },
    ...INPUT_FIELD_KEYS.map((key) => option(`field:${key}`, 'field')),
  ];
}
