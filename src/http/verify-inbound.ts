import type { NextFunction, Request, Response } from 'express';
import type { KamError } from '../core/errors';
import type { InboundRequest, VerifyResult } from '../core/ports/crm-connector.port';

/**
 * Inbound verification as middleware, per CRM and per kind of request: the connector's check
 * runs before any handler, returns a result (never throws for a bad request), and a refusal is
 * answered here with the status it carries. A handler only ever sees `res.locals.verified`.
 */
export type Refusal = (req: Request, res: Response, error: KamError) => void;

export const refuseAsJson: Refusal = (_req, res, error) => {
  res.status(error.status).json({ error: { code: error.code, message: error.message } });
};

/** Path parameters (e.g. amoCRM's webhook secret in the URL) join the query; the path wins. */
export function inboundOf(req: Request): InboundRequest {
  const body = req.body as unknown;
  return {
    query: { ...(req.query as Record<string, unknown>), ...req.params },
    body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    headers: req.headers,
    ...(req.ip ? { source: req.ip } : {}),
  };
}

export function verifyInbound<T>(check: (request: InboundRequest) => Promise<VerifyResult<T>>, refuse: Refusal = refuseAsJson) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const result = await check(inboundOf(req));
      if (!result.ok) {
        req.log.warn('inbound request refused', { path: req.path, code: result.error.code, reason: result.error.message });
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
