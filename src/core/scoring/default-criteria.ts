import { inEveryLanguage } from '../i18n/messages';
import { DEFAULT_KPI_SETTINGS } from '../kpi/kpi-settings';
import type { CriteriaConfig } from './criteria-config';

/**
 * Built-in criteria following key account practice (see docs/kpi.md): an account is key for
 * what it can buy over years, not for what it bought this year. Potential weighs most; current
 * revenue, growth, margin and strategic industry fit add up to 60 of 100 points, below the key
 * bar of 70, so today's revenue alone can never make a key account. Where nobody has entered a
 * potential, the engine's own forecast from consumption stands in (spec section 7), and an
 * unentered margin reads as the default margin: a new portal still finds its key accounts.
 * Money targets are in the base currency, sized for RUB portfolios (on the seeded demo portfolio
 * about 1-2% of companies are key and hold about 40% of the revenue); set your own for others.
 */
export const DEFAULT_CRITERIA: CriteriaConfig = {
  criteria: [
    { id: 'potential', metric: 'field:potential3y', fallback: 'potentialForecast3y', weight: 40, scale: { type: 'linear', min: 0, max: 30_000_000 } },
    { id: 'revenue', metric: 'revenue12m', weight: 20, scale: { type: 'linear', min: 0, max: 20_000_000 } },
    { id: 'growth', metric: 'growthYoY', weight: 15, scale: { type: 'linear', min: -0.5, max: 1 } },
    { id: 'margin', metric: 'field:margin', fallback: 'margin', weight: 10, scale: { type: 'linear', min: 0, max: 0.4 } },
    {
      id: 'industry',
      metric: 'industry',
      weight: 15,
      scale: {
        type: 'map',
        values: { MANUFACTURING: 1, CONSTRUCTION: 1, ENERGY: 1, TELECOM: 0.7, IT: 0.7, DELIVERY: 0.6, BANKING: 0.5, FINANCE: 0.5, GOVERNMENT: 0.5 },
        default: 0.3,
      },
    },
  ],
  tiers: [
    { id: 'key', minScore: 70, label: inEveryLanguage('tier.key') },
    { id: 'develop', minScore: 45, label: inEveryLanguage('tier.develop') },
    { id: 'standard', minScore: 0, label: inEveryLanguage('tier.standard') },
  ],
  hysteresis: 5,
  settings: DEFAULT_KPI_SETTINGS,
};
