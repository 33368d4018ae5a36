import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { Result } from '../../core/errors';
import { KamError, fail, ok } from '../../core/errors';

/**
 * Seeded fault injection shared by the CRM sandboxes. A spec such as
 * `"500=0.05,hang=0.01,cut=0.01,expire=0.02,503=0.1,429=0.1,seed=3"` gives the share of
 * requests that get each fault:
 * - `500`    answered HTTP 500 (the vendor's internal error body)
 * - `hang`   held open past any sane client timeout (the socket is kept until it closes)
 * - `cut`    the connection is destroyed mid-response
 * - `expire` the access token is treated as expired early (401 expired_token / 401 on amoCRM)
 * - `503`, `429` forced rate-limit answers
 * Shares add up to at most 1; the same seed gives the same sequence of faults.
 */
export type FaultKind = '500' | 'hang' | 'cut' | 'expire' | '503' | '429';

export const FAULT_KINDS: readonly FaultKind[] = ['500', 'hang', 'cut', 'expire', '503', '429'];

export interface FaultSpec {
  rates: Record<FaultKind, number>;
  seed: number;
}

export interface FaultInjector {
  /** The fault for the next request, or null to serve it normally. */
  pick(): FaultKind | null;
  /** Replace the spec at runtime (restarts the seeded sequence). */
  set(spec: FaultSpec): void;
  spec(): FaultSpec;
}

export function emptyFaultSpec(): FaultSpec {
  return { rates: { '500': 0, hang: 0, cut: 0, expire: 0, '503': 0, '429': 0 }, seed: 1 };
}

export function parseFaultSpec(spec: string): Result<FaultSpec> {
  const parsed = emptyFaultSpec();
  const problems: string[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const [key, raw, ...rest] = part.split('=').map((p) => p.trim());
    const value = Number(raw);
    if (key === undefined || raw === undefined || raw === '' || rest.length > 0 || !Number.isFinite(value)) {
      problems.push(`"${part}" is not key=number`);
    } else if (key === 'seed') {
      if (!Number.isInteger(value)) problems.push('seed must be an integer');
      else parsed.seed = value;
    } else if ((FAULT_KINDS as readonly string[]).includes(key)) {
      if (value < 0 || value > 1) problems.push(`${key} must be a share between 0 and 1`);
      else parsed.rates[key as FaultKind] = value;
    } else {
      problems.push(`unknown fault "${key}" (known: ${FAULT_KINDS.join(', ')}, seed)`);
    }
  }
  const total = FAULT_KINDS.reduce((sum, kind) => sum + parsed.rates[kind], 0);
  if (total > 1 + 1e-9) problems.push(`the shares add up to ${total}, more than 1`);
  if (problems.length > 0) {
    return fail(new KamError('INPUT_INVALID', `bad fault spec: ${problems.join('; ')}`, { details: { spec } }));
  }
  return ok(parsed);
}

export function createFaultInjector(initial: FaultSpec = emptyFaultSpec()): FaultInjector {
  let current = initial;
  let rng = xoroshiro128plus(current.seed);
  let active = FAULT_KINDS.some((kind) => current.rates[kind] > 0);
  return {
    pick() {
      // No draw when nothing is configured, so a fault-free sandbox costs nothing per request.
      if (!active) return null;
      const roll = uniformFloat64(rng);
      let edge = 0;
      for (const kind of FAULT_KINDS) {
        edge += current.rates[kind];
        if (roll < edge) return kind;
      }
      return null;
    },
    set(spec) {
      current = spec;
      rng = xoroshiro128plus(spec.seed);
      active = FAULT_KINDS.some((kind) => spec.rates[kind] > 0);
    },
    spec: () => current,
  };
}
