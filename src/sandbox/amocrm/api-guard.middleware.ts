import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';

/**
 * Runs before every /api/v4 handler, in the order a real call meets them: injected faults,
 * the bearer token (401 when unknown, revoked or expired), then the request rate
 * (7/s per integration, 50/s per account -> 429; reference §2); a blocked account gets 403
 * before its token is even looked at. Each call is counted in
 * /_sandbox/stats under "METHOD /path/{id}" with its rejection status when refused.
 */
export function endpointKey(req: Request): string {
  const path = req.path.replace(/\/\d+(?=\/|$)/g, '/{id}');
  return `${req.method} ${req.baseUrl}${path}`;
}

/**
 * Counts the request once it is answered, or once its client is gone before the answer (the
 * account received it all the same: a worker killed while it waits), or once a fault ends it.
 */
export function countRequests(ctx: AmoSandboxContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const count = () => {
      if (res.locals['counted'] === true) return;
      res.locals['counted'] = true;
      ctx.stats.record(endpointKey(req), res.statusCode >= 400 ? String(res.statusCode) : undefined);
    };
    res.once('finish', count);
    res.once('close', count);
    next();
  };
}

function bearer(req: Request): string | null {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

export function apiGuard(ctx: AmoSandboxContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = bearer(req);
    const fault = ctx.faults.pick();
    if (fault === 'hang') {
      // Never answered: the socket stays open until the client gives up or the sandbox closes.
      res.locals['counted'] = true;
      ctx.stats.record(endpointKey(req), 'hang');
      return;
    }
    if (fault === 'cut') {
      res.locals['counted'] = true;
      ctx.stats.record(endpointKey(req), 'cut');
      res.writeHead(200, { 'content-type': 'application/hal+json', 'content-length': '4096' });
      res.write('{"_page":1,"_links":{"self":');
      setImmediate(() => req.socket.destroy());
      return;
    }
    if (fault === '500') return sendProblem(res, 500, 'Internal Server Error');
    if (fault === '503') return sendProblem(res, 503, 'Service Unavailable');
    if (fault === '429') return ctx.behaviour.sendRateLimited(res, false);
    if (fault === 'expire' && token !== null) ctx.oauth.expireEarly(token);

    // A blocked account refuses everything, whoever asks (issues #318, #563).
    if (ctx.behaviour.isBlocked()) return ctx.behaviour.sendBlocked(res);
    if (token === null) return sendProblem(res, 401, 'Unauthorized');
    const check = ctx.oauth.check(token);
    if (check !== 'ok') return sendProblem(res, 401, check === 'expired' ? 'Token has expired' : 'Unauthorized');

    const { perIntegration, perAccount } = ctx.limits;
    if (perIntegration !== null && !ctx.limiter.tryTake(`integration:${ctx.oauth.integration.clientId}`, perIntegration)) {
      return ctx.behaviour.sendRateLimited(res);
    }
    if (perAccount !== null && !ctx.limiter.tryTake(`account:${ctx.store.account.id}`, perAccount)) {
      return ctx.behaviour.sendRateLimited(res);
    }
    next();
  };
}
