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
    option('industry', 'field'),
    ...INPUT_FIELD_KEYS.map((key) => option(`field:${key}`, 'field')),
  ];
}
