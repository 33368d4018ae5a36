import type { Request, Response } from 'express';
import { Router } from 'express';
import type { CallerAuth } from './method-types';
import type { PortalRuntime } from './portal-runtime';
import { ADMIN_USER_ID } from './portal-runtime';
import type { RestFailure } from './rest-failure';
import { SYSTEM, failureBody } from './rest-failure';
import { timeBlock } from './bitrix-time';
import type { FaultKind } from '../shared/faults';

/**
 * REST entry points: `/rest/{method}[.json]` with the OAuth token in `auth` (query or body, as
 * BX24 and the SDK send it), and the incoming-webhook form `/rest/{userId}/{secret}/{method}`
 * (docs:settings/how-to-call-rest-api/index). GET query or POST form (bracket notation) or JSON.
 * Order of checks: injected fault, leaky bucket (503 QUERY_LIMIT_EXCEEDED), auth (401
 * NO_AUTH_FOUND / expired_token), method (404 ERROR_METHOD_NOT_FOUND), operating time (429).
 */
interface Target {
  method: string;
  hook?: { userId: number; secret: string };
}

function parseTarget(path: string): Target | null {
  const segments = path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '').split('/').filter((part) => part.length > 0);
  if (segments.length === 0) return null;
  const strip = (method: string): string => method.replace(/\.(json|xml)$/i, '');
  if (segments.length >= 3 && /^\d+$/.test(segments[0] ?? '')) {
    return { method: strip(segments.slice(2).join('/')), hook: { userId: Number(segments[0]), secret: segments[1] ?? '' } };
  }
  return { method: strip(segments.join('/')) };
}

function send(res: Response, status: number, body: unknown): void {
  // Straight to the socket: no ETag hashing or content-type lookup on the hot path.
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function authenticate(runtime: PortalRuntime, target: Target, params: Record<string, unknown>): CallerAuth | RestFailure {
  if (target.hook) {
    const { userId, secret } = runtime.webhook;
    if (target.hook.userId !== userId || target.hook.secret !== secret) return SYSTEM.noAuth();
    return { kind: 'webhook', userId, isAdmin: userId === ADMIN_USER_ID };
  }
  const token = params.auth;
  if (typeof token !== 'string' || token === '') return SYSTEM.noAuth();
  const check = runtime.tokens.check(token);
  if (check.state === 'expired') return SYSTEM.expired();
  if (check.state === 'unknown') return SYSTEM.noAuth();
  return { kind: 'oauth', userId: check.userId, isAdmin: check.userId === ADMIN_USER_ID };
}

/** Returns true when the fault answered (or swallowed) the request. */
function injectFault(runtime: PortalRuntime, fault: FaultKind, req: Request, res: Response, method: string): boolean {
  switch (fault) {
    case '500':
      send(res, 500, failureBody(SYSTEM.internal()));
      return true;
    case '503':
      send(res, 503, failureBody(SYSTEM.queryLimit()));
      return true;
    case '429':
      send(res, 429, failureBody(SYSTEM.operationLimit(method)));
      return true;
    case 'cut': {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '4096' });
      res.write('{"result":[{"ID":"1","TITLE":"');
      setImmediate(() => req.socket.destroy());
      return true;
    }
    case 'hang': {
      const timer = setTimeout(() => release(), runtime.hangMs);
      const holder = { release: () => release() };
      const release = (): void => {
        clearTimeout(timer);
        runtime.hung.delete(holder);
        req.socket.destroy();
      };
      runtime.hung.add(holder);
      req.socket.once('close', () => { clearTimeout(timer); runtime.hung.delete(holder); });
      return true;
    }
    case 'expire': {
      const token = (req.body as Record<string, unknown> | undefined)?.auth ?? req.query.auth;
      if (typeof token === 'string') runtime.tokens.expireNow(token);
      return false;
    }
  }
}

export function createRestRouter(runtime: PortalRuntime): Router {
  const router = Router();
  router.all(/.*/, (req, res) => {
    const started = runtime.now();
    const target = parseTarget(req.path);
    const method = (target?.method ?? '').toLowerCase();
    const reject = (failure: RestFailure): void => {
      runtime.stats.record(method || '(none)', failure.error || 'ERROR');
      send(res, failure.status, failureBody(failure));
    };
    if (!target) return reject(SYSTEM.methodNotFound());
    const params: Record<string, unknown> = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };

    const fault = runtime.faults.pick();
    if (fault !== null && injectFault(runtime, fault, req, res, method)) {
      runtime.stats.record(method, `FAULT_${fault.toUpperCase()}`);
      return;
    }
    if (!runtime.limits.admit()) return reject(SYSTEM.queryLimit());
    const auth = authenticate(runtime, target, params);
    if ('error' in auth) return reject(auth);
    if (!runtime.dispatcher.has(method)) return reject(SYSTEM.methodNotFound());

    const { outcome, operating } = runtime.dispatcher.dispatch(method, params, {
      state: runtime.state, auth, tokens: runtime.tokens, events: runtime.events, now: runtime.now,
      baseUrl: runtime.baseUrl(), inBatch: false,
    });
    if (!outcome.ok) return reject(outcome.error);
    runtime.stats.record(method);
    const body: Record<string, unknown> = { result: outcome.value.result };
    if (outcome.value.next !== undefined) body.next = outcome.value.next;
    if (outcome.value.total !== undefined) body.total = outcome.value.total;
    body.time = timeBlock(started, runtime.now(), method === 'batch' ? undefined : operating);
    send(res, 200, body);
  });
  return router;
}
