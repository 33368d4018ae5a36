import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import proxyAddr from 'proxy-addr';
import qs from 'qs';
import type { CrmApp } from '../app/crm-app';
import type { InboundRequest, VerifiedInbound, VerifyResult } from '../core/ports/crm-connector.port';
import type { Logger } from '../logging/logger';
import { answerForError, clientFaultMessage, logRequestRefusal } from './error-handler';
import { ACCEPTED, applyAfterAnswer, logInboundRefusal, type RefusalTarget } from './verify-inbound';

/**
 * The CRMs' events and webhooks, answered before Express sees them (issue 12: ack p99 <= 20 ms at
 * 2,000 events/s). An event is the one request that comes by the thousand, and for it the Express
 * stack (its request/response objects, the router walking every route, body-parser's charset,
 * encoding and stream machinery) cost about half the CPU of an answer. Only the plain case is taken
 * here: a POST to an event route, `application/x-www-form-urlencoded` in UTF-8, no Content-Encoding,
 * a Content-Length within the route's limit, no query string. Anything else (gzip, chunked, another
 * charset or type, a query) goes on to the same route in Express, which answers it as before.
 * Taken here, an event gets what Express would give it: the same form parse (qs with
 * body-parser's options and bounds), the same verification, the dirty marks stored before the
 * 200, the same answers and refusal log lines (a test holds the two paths to the same answers).
 */
export interface EventRoute {
  /** The route pattern, as Express declares it and as log lines name it. */
  pattern: string;
  /** The path parameters when the path is this route's (decoded), null otherwise. */
  match(path: string): Record<string, string> | null;
  /** body-parser's bounds for this route's form. */
  limits: FormLimits;
  verify(request: InboundRequest): Promise<VerifyResult<VerifiedInbound>>;
  /** What the route takes, for the log line of a failed processing ("Bitrix24 event"). */
  what: string;
}

export interface FormLimits {
  bytes: number;
  parameters: number;
  depth: number;
}

export interface EventIntakeDeps {
  app: Pick<CrmApp, 'recordInbound' | 'applyInbound'>;
  routes: EventRoute[];
  logger: Logger;
  /** Express's compiled `trust proxy` (app.get('trust proxy fn')): the source address is worked out as req.ip would be. */
  trust: (address: string, hop: number) => boolean;
}

/**
 * The form type in its plain spellings only, where body-parser (type-is, content-type) is sure to read
 * the same: whitespace is a space or a tab, a quoted charset is quoted on both sides. Anything else
 * (`charset=utf-8"`, a no-break space) goes to Express, which answers it as it always did.
 */
const FORM_TYPE = /^application\/x-www-form-urlencoded(?:[ \t]*;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8"))?$/i;
const REQUEST_ID = /^[\w-]{1,64}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const internalError = (requestId: string) => JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal error', requestId } });

/** A path parameter decoded as Express decodes it; a malformed escape is Express's to refuse (400). */
const decoded = (value: string): string | null => {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
};

/** A route matching one fixed path (case-insensitive, an optional trailing slash, as Express matches). */
export const fixedPath = (path: string) => (given: string) => (given.toLowerCase() === path || given.toLowerCase() === `${path}/` ? {} : null);

/** A route whose last segments are parameters: `/amocrm/webhooks/:installationId/:secret`. */
export function paramPath(prefix: string, names: string[]) {
  const shape = new RegExp(`^${prefix.replace(/[/]/g, '\\/')}${names.map(() => '/([^/]+)').join('')}/?$`, 'i');
  return (given: string): Record<string, string> | null => {
    const found = shape.exec(given);
    if (!found) return null;
    const params: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      const value = decoded(found[i + 1] as string);
      if (value === null) return null;
      params[name] = value;
    }
    return params;
  };
}

/** body-parser's parameter count: the number of `&`-separated pieces, undefined past the limit. */
function parameterCount(body: string, limit: number): number | undefined {
  let count = 0;
  let index = -1;
  do {
    count += 1;
    if (count > limit) return undefined;
    index = body.indexOf('&', index + 1);
  } while (index !== -1);
  return count;
}

type Parsed = { ok: true; body: Record<string, unknown> } | { ok: false; status: number; type: string };

/** The form as body-parser's extended parser reads it (qs, the same options and bounds). */
function parseForm(raw: string, limits: FormLimits): Parsed {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.length === 0) return { ok: true, body: {} };
  const count = parameterCount(text, limits.parameters);
  if (count === undefined) return { ok: false, status: 413, type: 'parameters.too.many' };
  try {
    const body = qs.parse(text, { allowPrototypes: true, arrayLimit: Math.max(100, count), depth: limits.depth, charset: 'utf-8', parameterLimit: limits.parameters, strictDepth: true });
    return { ok: true, body: body as Record<string, unknown> };
  } catch (error) {
    return { ok: false, status: 400, type: error instanceof RangeError ? 'querystring.parse.rangeError' : 'entity.parse.failed' };
  }
}

export function createEventIntake(deps: EventIntakeDeps) {
  const debug = deps.logger.isDebugEnabled();

  /** The route this request may be answered on here, or null: Express takes it. */
  const routeOf = (req: IncomingMessage): { route: EventRoute; params: Record<string, string> } | null => {
    // Express (parseurl) reads the path only up to a query or a fragment: such a request is its to route.
    if (req.method !== 'POST' || !req.url || req.url.includes('?') || req.url.includes('#')) return null;
    const { headers } = req;
    if (headers['transfer-encoding'] !== undefined || (headers['content-encoding'] !== undefined && headers['content-encoding'].toLowerCase() !== 'identity')) return null;
    const type = headers['content-type'];
    if (type === undefined || !FORM_TYPE.test(type)) return null;
    const length = headers['content-length'];
    if (length === undefined || !/^\d{1,9}$/.test(length)) return null;
    for (const route of deps.routes) {
      const params = route.match(req.url);
      if (params) return Number(length) <= route.limits.bytes ? { route, params } : null;
    }
    return null;
  };

  const answer = (res: ServerResponse, requestId: string, status: number, body: string) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': requestId });
    res.end(body);
  };

  /** An error thrown while verifying or recording, answered as Express's error handler answers it (error-handler.ts). */
  const answerError = (req: IncomingMessage, res: ServerResponse, target: RefusalTarget, requestId: string, error: unknown) => {
    const reply = answerForError(error, target, requestId, req.socket.destroyed);
    if (reply) answer(res, requestId, reply.status, JSON.stringify(reply.body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, route: EventRoute, params: Record<string, string>, chunks: Buffer[], requestId: string) => {
    let log: Logger | undefined;
    const target: RefusalTarget = {
      where: { route: route.pattern },
      get log() {
        return (log ??= deps.logger.child({ requestId }));
      },
    };
    const raw = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    const parsed = parseForm(raw, route.limits);
    if (!parsed.ok) {
      const message = clientFaultMessage(parsed.type);
      logRequestRefusal(target, { code: parsed.type, message });
      answer(res, requestId, parsed.status, JSON.stringify({ error: { code: 'INPUT_INVALID', message } }));
      return;
    }
    const request: InboundRequest = {
      query: { ...params },
      body: parsed.body,
      headers: req.headers,
      get source() {
        return proxyAddr(req, deps.trust) || undefined;
      },
    };
    let verified: VerifiedInbound;
    try {
      const result = await route.verify(request);
      if (!result.ok) {
        logInboundRefusal(target, result.error);
        answer(res, requestId, result.error.status, JSON.stringify({ error: { code: result.error.code, message: result.error.message } }));
        return;
      }
      verified = await deps.app.recordInbound(result.value);
    } catch (error) {
      answerError(req, res, target, requestId, error);
      return;
    }
    answer(res, requestId, 200, ACCEPTED);
    applyAfterAnswer(deps.app, verified, () => target.log, route.what);
  };

  /**
   * What Express's own last handler does for an error its error handler threw: only a log line that
   * could not be written gets here (a thrown value whose fields throw when read). The client still
   * gets an answer, and the process goes on (an unhandled rejection would end it).
   */
  const lastResort = (res: ServerResponse, route: EventRoute, requestId: string) => {
    try {
      deps.logger.error('event intake failed', { requestId, route: route.pattern });
    } catch {
      // Nothing more to say: the answer below is what matters.
    }
    try {
      answer(res, requestId, 500, internalError(requestId));
    } catch {
      res.destroy();
    }
  };

  /** Takes the request when it is a plain event (true), or leaves it untouched for Express (false). */
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    let taken: ReturnType<typeof routeOf>;
    try {
      taken = routeOf(req);
    } catch {
      return false; // Express answers what this could not read, with its own error handling.
    }
    if (!taken) return false;
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = debug ? process.hrtime.bigint() : 0n;
    if (debug) {
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        deps.logger.debug('http request', { requestId, method: 'POST', route: taken.route.pattern, status: res.statusCode, ms: Math.round(ms * 10) / 10 });
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Node's parser stops the body at Content-Length; this only guards the bound it was checked against.
      if (size > taken.route.limits.bytes) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      handle(req, res, taken.route, taken.params, chunks, requestId).catch(() => lastResort(res, taken.route, requestId));
    });
    // The client left before its body was read: nobody is there to answer, and nothing was stored.
    req.on('error', () => deps.logger.debug('request aborted by the client', { requestId, route: taken.route.pattern }));
    return true;
  };
}

/** Express behind the event intake: one request listener for the server. */
export function withEventIntake(express: RequestListener, intake: ReturnType<typeof createEventIntake>): RequestListener {
  return (req, res) => {
    if (!intake(req, res)) express(req, res);
  };
}
