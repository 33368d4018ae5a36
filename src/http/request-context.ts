import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logging/logger';
import { whereOf } from './route-of';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const REQUEST_ID = /^[\w-]{1,64}$/;

/**
 * Gives every request an id (echoed as X-Request-Id) and a logger that carries it. Most requests
 * (an acknowledged event) write no line at all, so the child logger is made on the first use of
 * `req.log`, and the timing line is only set up when debug lines are written.
 */
export function requestContext(logger: Logger) {
  const debug = logger.isDebugEnabled();
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      enumerable: false,
      get: () => (child ??= logger.child({ requestId: id })),
    });
    res.setHeader('X-Request-Id', id);
    if (debug) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        req.log.debug('http request', { method: req.method, ...whereOf(req), status: res.statusCode, ms: Math.round(ms * 10) / 10 });
      });
    }
    next();
  };
}
