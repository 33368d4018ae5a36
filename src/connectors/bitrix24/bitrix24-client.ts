import qs from 'qs';
import { KamError, isKamError } from '../../core/errors';
import type { CrmClientDeps } from '../shared/client-deps';
import { bitrix24Error, vendorCodeOf } from './bitrix24-errors';
import { portalOffsetOf } from './bitrix24-time';
import { createOperatingBudget } from './operating-budget';

/**
 * A Bitrix24 REST client for one installation: every call goes through the portal's limiter,
 * the retry policy and the token manager. Why our own and not B24OAuth: see docs/bitrix24.md
 * (per-request retry policy for creates, cross-process token rotation, exact request counting).
 */
export type Params = Record<string, unknown>;

export interface CallOptions {
  /**
   * false for creates: after a network failure or a 5xx the outcome is unknown, so the call is
   * not repeated blindly (the caller reconciles by marker instead). Refusals that prove nothing
   * happened (QUERY_LIMIT_EXCEEDED, expired_token) are retried either way.
   */
  idempotent?: boolean;
}

export interface CallResult<T> {
  result: T;
  total?: number;
  next?: number;
}

export interface BatchCommand {
  key: string;
  method: string;
  params: Params;
}

export interface BatchOutcome {
  results: Record<string, unknown>;
  errors: Record<string, { error: string; error_description?: string }>;
  totals: Record<string, number>;
}

export interface Bitrix24Client {
  call<T = unknown>(method: string, params?: Params, options?: CallOptions): Promise<CallResult<T>>;
  /** One HTTP request for up to 50 commands (https://apidocs.bitrix24.com/settings/how-to-call-rest-api/batch.html). */
  batch(commands: BatchCommand[], options?: CallOptions & { halt?: boolean }): Promise<BatchOutcome>;
  /** The portal's UTC offset ("+03:00") from its latest answer's `time` block; null before the first answer. */
  portalOffset?(): string | null;
}

export const BATCH_LIMIT = 50;

/**
 * A cloud portal lets one request run up to 60 s (https://apidocs.bitrix24.com/limits.html): we
 * wait a little longer, so a heavy request the portal still finishes is not abandoned and then
 * sent again (spending its operating time twice).
 */
export const REQUEST_TIMEOUT_MS = 65_000;

export interface Bitrix24ClientDeps extends CrmClientDeps {
  /**
   * The portal's REST endpoint, e.g. https://portal.bitrix24.ru/rest/ (from the verified
   * installation). A function when it may change while the client lives (a portal renamed:
   * the connector follows `client_endpoint` of refresh answers).
   */
  clientEndpoint: string | (() => string);
  now?: () => number;
  /** Per-request timeout, ms (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/**
 * A batch command is a `method?query` string with bracket notation. Keys are encoded too: the
 * portal splits each pair at its first `=`, so `filter[>=ID]` must travel as `filter%5B%3E%3DID%5D`.
 */
export function encodeCommand(method: string, params: Params): string {
  const query = qs.stringify(params, { arrayFormat: 'indices' });
  return query ? `${method}?${query}` : method;
}

export function createBitrix24Client(deps: Bitrix24ClientDeps): Bitrix24Client {
  const maxRetries = deps.maxRetries ?? 6;
  const backoffMs = deps.backoffMs ?? 500;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const timeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const endpointOf = typeof deps.clientEndpoint === 'function' ? deps.clientEndpoint : () => deps.clientEndpoint as string;
  const endpoint = () => {
    const base = endpointOf();
    return base.endsWith('/') ? base : `${base}/`;
  };
  const budget = createOperatingBudget(now);
  let offset: string | null = null;

  /** A method past its operating time waits alone; everything else goes on (limits.md). */
  const waitForBudget = async (methods: readonly string[]) => {
    const wait = budget.waitFor(methods);
    if (wait > 0) await sleep(wait);
  };

  const send = async (method: string, params: Params, token: string): Promise<Record<string, unknown>> => {
    await deps.limiter.acquire();
    await deps.meter.record(method);
    let response;
    try {
      response = await deps.http.post(`${endpoint()}${method}.json`, { ...params, auth: token }, { validateStatus: () => true, timeout });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'NETWORK';
      throw new KamError('NETWORK', `Bitrix24 ${method}: ${code}`, { cause: error, details: { method } });
    }
    const body = (typeof response.data === 'object' && response.data !== null ? response.data : undefined) as Record<string, unknown> | undefined;
    if (response.status >= 400 || !body || body.error !== undefined) {
      throw bitrix24Error(response.status, body, method);
    }
    offset = portalOffsetOf(body.time) ?? offset;
    if (method !== 'batch') budget.observe(method, body.time);
    return body;
  };

  const callWithPolicy = async (method: string, params: Params, options: CallOptions, inner: readonly string[] = [method]): Promise<Record<string, unknown>> => {
    const idempotent = options.idempotent ?? true;
    // Tokens refused so far in this call. The first refresh may only pick up a pair another
    // worker stored; a second refusal of that pair makes the token manager really refresh.
    const refused = new Set<string>();
    for (let attempt = 0; ; attempt += 1) {
      await waitForBudget(inner);
      const token = await deps.tokens.accessToken();
      try {
        return await send(method, params, token);
      } catch (error) {
        if (!isKamError(error)) throw error;
        const vendor = vendorCodeOf(error);
        if (error.code === 'TOKEN_EXPIRED') {
          // A token refused right after a refresh is not cured by waiting: give up at once.
          if (refused.has(token) || refused.size >= 2) throw error;
          refused.add(token);
          await deps.tokens.refresh(token);
          continue;
        }
        if (error.code === 'RATE_LIMITED') deps.meter.reject(vendor ?? 'RATE_LIMITED');
        if (vendor === 'OPERATION_TIME_LIMIT') {
          // Nothing ran: safe to repeat even a create, after this method's own wait (not the portal's).
          if (attempt >= maxRetries) throw error;
          const waitMs = budget.suspend(method);
          deps.logger.warn('Bitrix24 method over its operating time; suspended', { method, waitMs, attempt: attempt + 1 });
          continue;
        }
        const provenRefusal = error.code === 'RATE_LIMITED';
        const mayRetry = error.retryable && (idempotent || provenRefusal) && attempt < maxRetries;
        if (!mayRetry) throw error;
        const delay = backoffMs * 2 ** attempt + Math.floor(Math.random() * backoffMs);
        if (error.code === 'RATE_LIMITED') deps.limiter.pause(delay);
        deps.logger.warn('Bitrix24 call failed; retrying', { method, code: vendor ?? error.code, attempt: attempt + 1, delayMs: delay });
        await sleep(delay);
      }
    }
  };

  return {
    async call<T>(method: string, params: Params = {}, options: CallOptions = {}) {
      const body = await callWithPolicy(method, params, options);
      return {
        result: body.result as T,
        ...(typeof body.total === 'number' ? { total: body.total } : {}),
        ...(typeof body.next === 'number' ? { next: body.next } : {}),
      };
    },
    async batch(commands, options = {}) {
      if (commands.length === 0) return { results: {}, errors: {}, totals: {} };
      if (commands.length > BATCH_LIMIT) throw new KamError('INPUT_INVALID', `A batch holds at most ${BATCH_LIMIT} commands, got ${commands.length}`);
      const cmd = Object.fromEntries(commands.map((command) => [command.key, encodeCommand(command.method, command.params)]));
      const methodOf = new Map(commands.map((command) => [command.key, command.method]));
      const body = await callWithPolicy('batch', { halt: options.halt ? 1 : 0, cmd }, options, [...new Set(methodOf.values())]);
      const result = (body.result ?? {}) as Record<string, unknown>;
      const asRecord = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
      for (const [key, time] of Object.entries(asRecord(result.result_time))) budget.observe(methodOf.get(key) ?? key, time);
      const errors = asRecord(result.result_error) as BatchOutcome['errors'];
      for (const [key, error] of Object.entries(errors)) {
        if (error.error === 'QUERY_LIMIT_EXCEEDED' || error.error === 'OPERATION_TIME_LIMIT') deps.meter.reject(error.error);
        // The next batch with this method waits for it; this one's command is reported failed.
        if (error.error === 'OPERATION_TIME_LIMIT') budget.suspend(methodOf.get(key) ?? key);
        deps.logger.debug('Bitrix24 batch command failed', { key, code: error.error });
      }
      return {
        results: asRecord(result.result),
        errors,
        totals: asRecord(result.result_total) as Record<string, number>,
      };
    },
    portalOffset: () => offset,
  };
}
