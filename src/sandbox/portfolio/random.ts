import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/**
 * The seeded draws the portfolio generator needs, over one pure-rand xoroshiro128+ stream.
 * Never Math.random: the same seed must give the same portfolio on every machine.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box-Muller). */
  normal(mean: number, sd: number): number;
  logNormal(mu: number, sigma: number): number;
  /** Pareto with scale 1 and shape alpha: alpha near 1.16 is the classic 80/20 split. */
  pareto(alpha: number): number;
  exponential(mean: number): number;
}

export function createSeededRandom(seed: number): SeededRandom {
  const rng = xoroshiro128plus(seed);
  const float = (): number => uniformFloat64(rng);
  const normal = (mean: number, sd: number): number => {
    const u = 1 - float();
    const v = float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    float,
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    chance: (probability) => float() < probability,
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(float() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    normal,
    logNormal: (mu, sigma) => Math.exp(normal(mu, sigma)),
    pareto: (alpha) => Math.pow(1 - float(), -1 / alpha),
    exponential: (mean) => -Math.log(1 - float()) * mean,
  };
}

/** Draws indexes in proportion to fixed weights: O(log n) per draw over a cumulative table. */
export interface WeightedPicker {
  next(random: SeededRandom): number;
}

export function createWeightedPicker(weights: readonly number[]): WeightedPicker {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((weight, index) => {
    total += weight;
    cumulative[index] = total;
  });
  return {
    next(random) {
      const target = random.float() * total;
      let low = 0;
      let high = cumulative.length - 1;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((cumulative[mid] ?? 0) > target) high = mid;
        else low = mid + 1;
      }
      return low;
    },
  };
}
