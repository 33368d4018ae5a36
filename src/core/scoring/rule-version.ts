import { createHash } from 'node:crypto';
import { criteriaConfigSchema, type CriteriaConfig, type CriteriaConfigInput } from './criteria-config';

/**
 * Bumped whenever a formula in the engine changes meaning, so a stored result always names the
 * rules *and* the arithmetic that produced it.
 */
export const ENGINE_FORMULA_VERSION = 1;

/** JSON with object keys sorted at every depth; arrays keep their order (tier order matters). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stable id of the scoring rules: sha256 of the normalised config (defaults filled in, keys
 * sorted), first 16 hex digits. Labels and units only change wording, so they are left out.
 * An invalid config throws; validate user input with parseCriteriaConfig first.
 */
export function ruleVersion(config: CriteriaConfig | CriteriaConfigInput): string {
  const normalized = criteriaConfigSchema.parse(config);
  const hashed = {
    engine: ENGINE_FORMULA_VERSION,
    criteria: normalized.criteria.map(({ label: _label, unit: _unit, ...rest }) => rest),
    tiers: normalized.tiers.map(({ label: _label, ...rest }) => rest),
    hysteresis: normalized.hysteresis,
    settings: normalized.settings,
  };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex').slice(0, 16);
}
