/** The settings spec section 3-4 names, with the spec's defaults. They live in the criteria config. */
export interface KpiSettings {
  /** W: an account is a customer on day t when it won a deal in [t - W + 1, t]. */
  customerWindowDays: number;
  /** Margin used when `fields.margin` is not a number. */
  defaultMargin: number;
  maxLifetimeYears: number;
  /** ABC cut-offs on the cumulative revenue share held by the accounts ranked before. */
  abc: { a: number; b: number };
  /** XYZ cut-offs on the coefficient of variation of 12 monthly revenues. */
  xyz: { x: number; y: number };
}

export const DEFAULT_KPI_SETTINGS: KpiSettings = {
  customerWindowDays: 365,
  defaultMargin: 0.3,
  maxLifetimeYears: 10,
  abc: { a: 0.8, b: 0.95 },
  xyz: { x: 0.1, y: 0.25 },
};

/**
 * Cut-off comparisons forgive binary floating-point noise: a share that is 0.8 on paper must
 * not become 0.7999999999999999 and change class because of the order of additions or the
 * base currency. Values closer than 1e-9 to a cut-off count as equal to it.
 */
const EPSILON = 1e-9;
export const isBelow = (value: number, cutoff: number): boolean => value < cutoff - EPSILON;
export const isAtMost = (value: number, cutoff: number): boolean => value <= cutoff + EPSILON;
