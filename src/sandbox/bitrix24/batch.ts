import { parse } from 'qs';
import type { CallContext, MethodOutput } from './method-types';
import type { RestDispatcher } from './rest-dispatcher';
import type { RestResult } from './rest-failure';
import { SYSTEM } from './rest-failure';
import type { SandboxStats } from '../shared/stats';
import { timeBlock } from './bitrix-time';

/**
 * `batch` as docs:settings/how-to-call-rest-api/batch describes it: `cmd` holds at most 50
 * commands `method?query` (keys numeric or named), later commands may use
 * `$result[key][field]...` from earlier ones, `halt` (default false) stops at the first error,
 * and the answer carries result / result_error / result_total / result_next / result_time.
 * PHP turns an empty or a 0..n-1 keyed map into a JSON array, and so does this.
 */
const MAX_COMMANDS = 50;
const REFERENCE = /\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g;

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true' || value === 'Y';
}

function lookup(results: Map<string, unknown>, key: string, path: string): unknown {
  let current: unknown = results.get(key);
  for (const [, step] of path.matchAll(/\[([^\]]*)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step ?? ''];
  }
  return current;
}

function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$result\[([^\]]+)\]((?:\[[^\]]*\])*)$/.exec(value);
    if (whole) return lookup(results, whole[1] ?? '', whole[2] ?? '') ?? '';
    return value.replace(REFERENCE, (_match, key: string, path: string) => {
      const found = lookup(results, key, path);
      return found === undefined || found === null ? '' : typeof found === 'object' ? JSON.stringify(found) : String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, results));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, results)]));
  }
  return value;
}

function phpArray(map: Record<string, unknown>, keys: readonly string[]): unknown {
  const present = keys.filter((key) => key in map);
  if (present.length === 0) return [];
  const sequential = present.every((key, index) => key === String(index));
  return sequential ? present.map((key) => map[key]) : map;
}

export function runBatch(input: { params: Record<string, unknown>; ctx: CallContext; dispatcher: RestDispatcher; commandStats: SandboxStats }): RestResult<MethodOutput> {
  const { params, ctx, dispatcher } = input;
  const rawCmd = params.cmd ?? params.CMD;
  const entries: Array<[string, unknown]> = Array.isArray(rawCmd)
    ? rawCmd.map((value, index) => [String(index), value])
    : rawCmd !== null && typeof rawCmd === 'object' ? Object.entries(rawCmd) : [];
  if (entries.length > MAX_COMMANDS) return { ok: false, error: SYSTEM.batchLength() };
  const halt = truthy(params.halt ?? params.HALT);
  const keys = entries.map(([key]) => key);
  const results = new Map<string, unknown>();
  const result: Record<string, unknown> = {};
  const errors: Record<string, unknown> = {};
  const totals: Record<string, unknown> = {};
  const nexts: Record<string, unknown> = {};
  const times: Record<string, unknown> = {};
  for (const [key, command] of entries) {
    const text = String(command ?? '');
    const mark = text.indexOf('?');
    const method = (mark === -1 ? text : text.slice(0, mark)).trim();
    const query = mark === -1 ? {} : (parse(text.slice(mark + 1), { depth: 20, arrayLimit: 1000 }) as Record<string, unknown>);
    const commandParams = substitute(query, results) as Record<string, unknown>;
    const started = ctx.now();
    const { outcome, operating } = dispatcher.dispatch(method, commandParams, ctx);
    input.commandStats.record(method.toLowerCase(), outcome.ok ? undefined : outcome.error.error || 'ERROR');
    if (!outcome.ok) {
      errors[key] = { error: outcome.error.error, error_description: outcome.error.error_description };
      if (halt) break;
      continue;
    }
    results.set(key, outcome.value.result);
    result[key] = outcome.value.result;
    if (outcome.value.total !== undefined) totals[key] = outcome.value.total;
    if (outcome.value.next !== undefined) nexts[key] = outcome.value.next;
    times[key] = timeBlock(started, ctx.now(), operating);
  }
  return {
    ok: true,
    value: {
      result: {
        result: phpArray(result, keys), result_error: phpArray(errors, keys), result_total: phpArray(totals, keys),
        result_next: phpArray(nexts, keys), result_time: phpArray(times, keys),
      },
    },
  };
}
