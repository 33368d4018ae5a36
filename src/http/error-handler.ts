import type { NextFunction, Request, Response } from 'express';
import { isKamError } from '../core/errors';
import { createRefusalLog, refusalTargetOf } from './verify-inbound';
import { whereOf } from './route-of';

/**
 * Maps any error to a JSON reply: KamError keeps its code and status; a client's fault found by
 * the body parser (body-parser / raw-body errors carry a 4xx `status` and a `type`) is a 4xx
 * with a reason; the rest is a 500 with no internals. An aborted request is the client leaving,
 * not our error: it is logged at debug level only.
 */
const CLIENT_FAULTS: Record<string, string> = {
  'entity.too.large': 'Request body is too large',
  'entity.parse.failed': 'Request body is not valid',
  'entity.verify.failed': 'Request body is not valid',
  'parameters.too.many': 'Too many parameters (at most 2,000)',
  'querystring.parse.rangeError': 'Parameters are nested too deeply (at most 32 levels)',
  'charset.unsupported': 'Unsupported charset: send UTF-8',
  'encoding.unsupported': 'Unsupported Content-Encoding',
  'request.size.invalid': 'Request body size does not match Content-Length',
  'stream.encoding.set': 'Request stream is not readable',
};

interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
}

/** What a client's fault of this kind is answered with (the fast event intake answers its own the same way). */
export const clientFaultMessage = (type: string): string => CLIENT_FAULTS[type] ?? 'Request body could not be read (bad encoding or compression)';

/** Refused requests (a client's fault), logged with a bounded number of lines a minute; one log for every Express app and the fast path. */
export const logRequestRefusal = createRefusalLog({ message: 'request refused' });

/** A client's fault carried by an error (a 4xx `status` or `statusCode`, a `type`), or null: the fast event intake maps errors the same way. */
export function clientFault(error: unknown): { status: number; message: string; type: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const candidate = error as HttpErrorLike;
  const status = typeof candidate.status === 'number' ? candidate.status : typeof candidate.statusCode === 'number' ? candidate.statusCode : 0;
  if (status < 400 || status > 499) return null;
  const type = typeof candidate.type === 'string' ? candidate.type : 'client';
  // A body that fails to decompress (bad gzip) is raw-body's 400 with zlib's error inside.
  return { status, type, message: clientFaultMessage(type) };
}

export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (isKamError(error)) {
      if (error.status >= 500) req.log.error(error.message, { code: error.code, error });
      if (!res.headersSent) res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    const fault = clientFault(error);
    // The client left: whatever the parser made of the half-read body, nobody is there to answer.
    if (fault?.type === 'request.aborted' || req.socket.destroyed) {
      req.log.debug('request aborted by the client', whereOf(req));
      return;
    }
    if (fault) {
      logRequestRefusal(refusalTargetOf(req), { code: fault.type, message: fault.message });
      if (!res.headersSent) res.status(fault.status).json({ error: { code: 'INPUT_INVALID', message: fault.message } });
      return;
    }
    req.log.error('unhandled error', { error });
    if (!res.headersSent) res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error', requestId: req.id } });
  };
}
