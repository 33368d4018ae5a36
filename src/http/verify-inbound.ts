import type { NextFunction, Request, Response } from 'express';
import type { KamError } from '../core/errors';
import type { InboundRequest, VerifiedInbound, VerifyResult } from '../core/ports/crm-connector.port';
import type { CrmApp } from '../app/crm-app';
import type { Logger } from '../logging/logger';
import { whereOf } from './route-of';

/**
 * Inbound verification as middleware, per CRM and per kind of request: the connector's check
 * runs before any handler, returns a result (never throws for a bad request), and a refusal is
 * answered here with the status it carries. A handler only ever sees `res.locals.verified`.
 */
export type Refusal = (req: Request, res: Response, error: KamError) => void;

export const refuseAsJson: Refusal = (_req, res, error) => {
  res.status(error.status).json({ error: { code: error.code, message: error.message } });
};

/**
 * Path parameters (e.g. amoCRM's webhook secret in the URL) join the query; the path wins. The
 * source address is worked out (trust proxy, X-Forwarded-For) only when a check asks for it:
 * an event with a good token never does.
 */
export function inboundOf(req: Request): InboundRequest {
  const body = req.body as unknown;
  return {
    query: { ...(req.query as Record<string, unknown>), ...req.params },
    body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    headers: req.headers,
    get source() {
      return req.ip || undefined;
    },
  };
}

/** Refusal lines per route and code in any minute; past it, they are counted and summed up once. */
const REFUSALS_LOGGED_PER_MINUTE = 20;

/** A refused request as its log line names it: the route pattern it matched (or its path, cut) and the request's logger. */
export interface RefusalTarget {
  where: { route: string } | { path: string };
  log: Logger;
}

/** An Express request as a refusal log names it. */
export const refusalTargetOf = (req: Request): RefusalTarget => ({ where: whereOf(req), log: req.log });

export type RefusalLog = (target: RefusalTarget, error: { code: string; message: string }) => void;

/**
 * A flood of forged requests must not become a flood of log lines (issue 9, security 4): per route
 * (the pattern, never the attacker's path) and error code, the first lines of each minute are
 * written, the rest counted, and the count is written with the first line of the next minute.
 */
export function createRefusalLog(options: { message?: string; perMinute?: number; now?: () => number } = {}): RefusalLog {
  const message = options.message ?? 'inbound request refused';
  const limit = options.perMinute ?? REFUSALS_LOGGED_PER_MINUTE;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; logged: number; suppressed: number }>();
  return ({ where, log }, error) => {
    const route = 'route' in where ? where.route : '';
    const key = `${route}|${error.code}`;
    const at = now();
    let window = windows.get(key);
    if (!window || at - window.start >= 60_000) {
      if (window?.suppressed) log.warn(`${message}: more, not logged one by one`, { route, code: error.code, count: window.suppressed });
      window = { start: at, logged: 0, suppressed: 0 };
      windows.set(key, window);
    }
    if (window.logged >= limit) {
      window.suppressed += 1;
      return;
    }
    window.logged += 1;
    log.warn(message, { ...where, code: error.code, reason: error.message });
  };
}

/** The one log of refused inbound requests, shared by the Express routes and the event fast path (one allowance per route). */
export const logInboundRefusal = createRefusalLog();

export function verifyInbound<T>(check: (request: InboundRequest) => Promise<VerifyResult<T>>, refuse: Refusal = refuseAsJson) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const result = await check(inboundOf(req));
      if (!result.ok) {
        logInboundRefusal(refusalTargetOf(req), result.error);
        refuse(req, res, result.error);
        return;
      }
      res.locals.verified = result.value;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** What the verification middleware proved, typed for the handler after it. */
export const verifiedOf = <T>(res: Response): T => res.locals.verified as T;

/** The answer to an accepted event: the same few bytes every time. */
export const ACCEPTED = JSON.stringify({ ok: true });

/**
 * An accepted event's effects, applied after its answer went out (the Express route and the event
 * intake alike). A synchronous throw becomes a rejection here, and a log line that cannot be
 * written is dropped: neither may end the process.
 */
export function applyAfterAnswer(app: Pick<CrmApp, 'applyInbound'>, verified: VerifiedInbound, log: () => Logger, what: string): void {
  setImmediate(() => {
    Promise.resolve()
      .then(() => app.applyInbound(verified))
      .catch((error: unknown) => log().error(`${what} processing failed`, { installationId: verified.installation?.id, error }))
      .catch(() => undefined);
  });
}

/**
 * The handler after `verifyInbound` for a CRM's events and webhooks: the dirty marks are stored
 * BEFORE the 2xx (an acknowledged event is never lost: neither CRM sends it again), then the
 * event's effects are applied after the answer went out.
 */
export function acceptInbound(app: Pick<CrmApp, 'recordInbound' | 'applyInbound'>, what: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let verified: VerifiedInbound;
    try {
      verified = await app.recordInbound(verifiedOf<VerifiedInbound>(res));
    } catch (error) {
      next(error);
      return;
    }
    // The same few bytes for every event, written as they are: no serialising, no ETag hash.
    res.status(200).type('application/json').end(ACCEPTED);
    applyAfterAnswer(app, verified, () => req.log, what);
  };
}
