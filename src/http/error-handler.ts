import type { NextFunction, Request, Response } from 'express';
import { isKamError } from '../core/errors';

/** Maps any error to a JSON reply: KamError keeps its code and status, the rest is a 500 with no internals. */
export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const bodyTooLarge = (error as { type?: string }).type === 'entity.too.large';
    const badBody = (error as { type?: string }).type === 'entity.parse.failed';
    if (isKamError(error)) {
      if (error.status >= 500) req.log.error(error.message, { code: error.code, error });
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    if (bodyTooLarge || badBody) {
      res.status(bodyTooLarge ? 413 : 400).json({ error: { code: 'INPUT_INVALID', message: bodyTooLarge ? 'Request body is too large' : 'Request body is not valid' } });
      return;
    }
    req.log.error('unhandled error', { error });
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error', requestId: req.id } });
  };
}
