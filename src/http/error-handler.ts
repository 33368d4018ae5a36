import type { NextFunction, Request, Response } from 'express';
import { isKamError } from '../core/errors';
import { createRefusalLog, refusalTargetOf, type RefusalTarget } from './verify-inbound';

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
function clientFault(error: unknown): { status: number; message: string; type: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const candidate = error as HttpErrorLike;
  const status = typeof candidate.status === 'number' ? candidate.status : typeof candidate.statusCode === 'number' ? candidate.statusCode : 0;
  if (status < 400 || status > 499) return null;
  const type = typeof candidate.type === 'string' ? candidate.type : 'client';
  // A body that fails to decompress (bad gzip) is raw-body's 400 with zlib's error inside.
  return { status, type, message: clientFaultMessage(type) };
}

/** The JSON answer to a request an error ended. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; requestId?: string } };
}

/**
 * What an error that ended a request is answered with, and its log line: one decision for Express's
 * error handler and the event intake (event-intake.ts) alike. Null when the client has left and
 * nobody is there to answer.
 */
export function answerForError(error: unknown, target: RefusalTarget, requestId: string, clientGone: boolean): ErrorAnswer | null {
  if (isKamError(error)) {
    if (error.status >= 500) target.log.error(error.message, { code: error.code, error });
    return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  }
  const fault = clientFault(error);
  // The client left: whatever the parser made of the half-read body, nobody is there to answer.
  if (fault?.type === 'request.aborted' || clientGone) {
    target.log.debug('request aborted by the client', target.where);
    return null;
  }
  if (fault) {
    logRequestRefusal(target, { code: fault.type, message: fault.message });
    return { status: fault.status, body: { error: { code: 'INPUT_INVALID', message: fault.message } } };
  }
  target.log.error('unhandled error', { error });
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error', requestId } } };
}

export function errorHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = answerForError(error, refusalTargetOf(req), req.id, req.socket.destroyed);
    if (answer && !res.headersSent) res.status(answer.status).json(answer.body);
  };
}
