import type { CallContext, MethodOutput, MethodTable } from './method-types';
import type { OperatingInfo, PortalLimits } from './limits';
import type { RestResult } from './rest-failure';
import { SYSTEM } from './rest-failure';
import type { SandboxStats } from '../shared/stats';
import { runBatch } from './batch';

/**
 * Runs one REST method: finds it (names are case-insensitive on a portal), refuses it when its
 * operating time is used up, runs it and charges the simulated cost. A batch is dispatched here
 * too, and each command inside it goes through the same path, so the inner commands count
 * against their own methods' operating time while the batch itself does not (docs:limits).
 */
export interface Dispatched {
  outcome: RestResult<MethodOutput>;
  operating?: OperatingInfo;
}

export interface RestDispatcher {
  dispatch(method: string, params: Record<string, unknown>, ctx: CallContext): Dispatched;
  has(method: string): boolean;
}

/**
 * Simulated execution seconds of one call: a fixed part, a part per row returned and a part per
 * row counted. Counting every row for `total` is what makes offset paging on a big table
 * expensive on a real portal (docs:settings/performance/huge-data); start=-1 skips it.
 */
export function operatingCost(output: MethodOutput): number {
  return 0.004 + (output.rows ?? 0) * 0.0012 + (output.scanned ?? 0) * 0.00002;
}

export function createRestDispatcher(deps: { methods: MethodTable; limits: PortalLimits; commandStats: SandboxStats }): RestDispatcher {
  const table = new Map(Object.entries(deps.methods).map(([name, handler]) => [name.toLowerCase(), handler]));
  const dispatcher: RestDispatcher = {
    has: (method) => method.toLowerCase() === 'batch' || table.has(method.toLowerCase()),
    dispatch(method, params, ctx) {
      const name = method.toLowerCase();
      if (name === 'batch') {
        if (ctx.inBatch) return { outcome: { ok: false, error: SYSTEM.batchMethod() } };
        return { outcome: runBatch({ params, ctx: { ...ctx, inBatch: true }, dispatcher, commandStats: deps.commandStats }) };
      }
      const handler = table.get(name);
      if (!handler) return { outcome: { ok: false, error: SYSTEM.methodNotFound() } };
      if (deps.limits.operatingBlocked(name)) return { outcome: { ok: false, error: SYSTEM.operationLimit(name) }, operating: deps.limits.operating(name) };
      const outcome = handler(params, ctx);
      const operating = deps.limits.charge(name, outcome.ok ? operatingCost(outcome.value) : 0.002);
      return { outcome, operating };
    },
  };
  return dispatcher;
}
