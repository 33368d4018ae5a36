import qs from 'qs';
import { KamError, isKamError } from '../../core/errors';
import type { CrmClientDeps } from '../shared/client-deps';
import { amoError, amoNetworkError, vendorCodeOf } from './amocrm-errors';

/**
 * An amoCRM API v4 client for one installation: every request passes the account's limiter
 * (7 per second per integration, https://www.amocrm.ru/developers/content/api/recommendations),
 * the meter, the token manager and this retry policy:
 * - 401: the token is refreshed (single-flight) and the request sent again, once per token;
 * - 429: every request of the account waits (exponential backoff with jitter); the body is never read;
 * - 403: the account is blocked by amo; thrown at once (repeating makes the block last longer);
 * - 5xx and lost connections: reads are retried; a POST (create) is not, its outcome is unknown;
 *   a 504 on a write is thrown to the caller, which halves its chunk (the batch was too big).
 * Headers as the official client sends them (amocrm-api-php AmoCRMApiRequest::getBaseHeaders):
 * Bearer token and X-Client-UUID.
 */
export type Query = Record<string, unknown>;

export interface WriteOptions {
  /** false for creates: after a 5xx or a cut connection nothing is sent again blindly. */
  idempotent?: boolean;
}

export interface AmoClient {
  /** The account's base URL, e.g. https://sub.amocrm.ru */
  readonly baseUrl: string;
  /** A GET; null for 204 (amo's empty list) and, with `absentOk`, for 404 (a missing record). */
  get<T = Record<string, unknown>>(path: string, query?: Query, options?: { absentOk?: boolean }): Promise<T | null>;
  /** Follows a `_links.next.href`, after checking it points at this account's API. */
  follow<T = Record<string, unknown>>(href: string): Promise<T | null>;
  write<T = Record<string, unknown>>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, options?: WriteOptions): Promise<T | null>;
}

export interface AmoClientDeps extends CrmClientDeps {
  baseUrl: string;
  clientId: string;
  random?: () => number;
}

export function encodeQuery(query: Query): string {
  return qs.stringify(query, { arrayFormat: 'brackets', encodeValuesOnly: true });
}

/** "GET /api/v4/companies/{id}/notes": the meter's key, ids folded. */
function meterKey(method: string, path: string): string {
  return `${method} ${path.split('?')[0]?.replace(/\/\d+(?=\/|$)/g, '/{id}') ?? path}`;
}

export function createAmoClient(deps: AmoClientDeps): AmoClient {
  const maxRetries = deps.maxRetries ?? 6;
  const backoffMs = deps.backoffMs ?? 1000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const base = new URL(deps.baseUrl);
  const baseUrl = base.origin;

  const sendOnce = async (method: string, pathAndQuery: string, body: unknown, token: string): Promise<{ status: number; data: unknown }> => {
    await deps.limiter.acquire();
    const key = meterKey(method, pathAndQuery);
    await deps.meter.record(key);
    let response;
    try {
      response = await deps.http.request({
        method,
        url: `${baseUrl}${pathAndQuery}`,
        ...(body === undefined ? {} : { data: JSON.stringify(body) }),
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Client-UUID': deps.clientId,
          'Content-Type': 'application/json',
          Accept: 'application/hal+json, application/json',
        },
        // The body stays text: a 429 or 403 may come as HTML, and a 204 has none.
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
      });
    } catch (error) {
      throw amoNetworkError(error, key);
    } finally {
      deps.limiter.answered?.();
    }
    const text = typeof response.data === 'string' ? response.data : '';
    if (response.status === 204 || (response.status < 300 && text.trim() === '')) return { status: 204, data: null };
    const parsed = response.status === 429 ? undefined : parseJson(text);
    if (response.status >= 300) throw amoError(response.status, parsed, key);
    if (parsed === undefined) throw new KamError('CRM_REJECTED', `amoCRM ${key}: the answer is not JSON`, { details: { httpStatus: response.status } });
    return { status: response.status, data: parsed };
  };

  const withPolicy = async (method: string, pathAndQuery: string, body: unknown, idempotent: boolean, absentOk: boolean): Promise<unknown> => {
    const refused = new Set<string>();
    for (let attempt = 0; ; attempt += 1) {
      const token = await deps.tokens.accessToken();
      try {
        return (await sendOnce(method, pathAndQuery, body, token)).data;
      } catch (error) {
        if (!isKamError(error)) throw error;
        if (error.code === 'NOT_FOUND' && absentOk) return null;
        if (error.code === 'TOKEN_EXPIRED') {
          // A token refused right after a refresh is not cured by refreshing again.
          if (refused.has(token) || refused.size >= 2) throw error;
          refused.add(token);
          await deps.tokens.refresh(token);
          continue;
        }
        const rateLimited = error.code === 'RATE_LIMITED';
        if (rateLimited) deps.meter.reject(vendorCodeOf(error) ?? 'HTTP_429');
        const gatewayTimeoutOnWrite = method !== 'GET' && vendorCodeOf(error) === 'GATEWAY_TIMEOUT';
        const mayRetry = error.retryable && !gatewayTimeoutOnWrite && (idempotent || rateLimited) && attempt < maxRetries;
        if (!mayRetry) throw error;
        const delay = Math.round(backoffMs * 2 ** attempt + random() * backoffMs);
        if (rateLimited) deps.limiter.pause(delay);
        deps.logger.warn('amoCRM request failed; retrying', { request: meterKey(method, pathAndQuery), code: vendorCodeOf(error) ?? error.code, attempt: attempt + 1, delayMs: delay });
        await sleep(delay);
      }
    }
  };

  return {
    baseUrl,
    async get<T>(path: string, query: Query = {}, options: { absentOk?: boolean } = {}) {
      const search = encodeQuery(query);
      return (await withPolicy('GET', search ? `${path}?${search}` : path, undefined, true, options.absentOk ?? false)) as T | null;
    },
    async follow<T>(href: string) {
      let url: URL;
      try {
        url = new URL(href, baseUrl);
      } catch {
        throw new KamError('CRM_REJECTED', `amoCRM gave a next-page link that is not a URL: ${href}`);
      }
      // Never follow a link off the account we were installed on.
      if (url.host !== base.host || !url.pathname.startsWith('/api/v4/')) {
        throw new KamError('CRM_REJECTED', `amoCRM gave a next-page link off the account: ${url.host}${url.pathname}`);
      }
      return (await withPolicy('GET', `${url.pathname}${url.search}`, undefined, true, false)) as T | null;
    },
    async write<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, options: WriteOptions = {}) {
      return (await withPolicy(method, path, body, options.idempotent ?? method !== 'POST', false)) as T | null;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
