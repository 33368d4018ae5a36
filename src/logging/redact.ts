/**
 * Masks secrets anywhere in a log record and keeps every record bounded. Secrets are found by
 * key (secret-looking names, everything under `auth` / `auth[...]` except the portal's
 * identity), by value shape (JWTs, long hex or base64 tokens: a refresh token under a key
 * nobody foresaw), and inside strings (query strings, form bodies, JSON text, Bearer headers).
 * A request or response body is never logged, only its size; an error is logged as its name,
 * message, code and stack, never its attached request, response or body; long strings, arrays
 * and deep objects are cut, so a 200 KB event name makes a short line.
 */
export const MASK = '[REDACTED]';

/** Longest string kept whole (a stack trace gets more room). */
export const MAX_STRING = 500;
const MAX_STACK = 4000;
const MAX_ITEMS = 50;
const MAX_KEYS = 60;
const MAX_DEPTH = 6;

const SECRET_KEY =
  /(^|[_\-.[\s])(access[_-]?token|refresh[_-]?token|application[_-]?token|auth[_-]?id|refresh[_-]?id|client[_-]?secret|secret|password|passwd|authorization|api[_-]?key|cookie|set-cookie|token|x-auth-token|x-refresh-token|signature|encryption[_-]?key)($|[_\-.\]\s])/i;
/** Keys under `auth` that identify the portal rather than authenticate it; safe to log. */
const AUTH_SAFE_KEYS = new Set(['domain', 'member_id', 'client_endpoint', 'server_endpoint', 'scope', 'status', 'user_id']);
/** Keys whose values are identities we log on purpose (a member_id is 32 hex digits, like a token). */
const IDENTITY_KEYS = /^(member_?id|memberId|installation_?id|installationId|request_?id|requestId|external_?id|externalId|id|domain)$/i;
/** Bodies are summarised, never logged. */
const BODY_KEY = /^(body|raw_?body|rawBody|request_?body|requestBody|response_?body|responseBody)$/i;
/** An OAuth authorization code looks random: long, with digits. Error codes (expired_token) do not. */
const OAUTH_CODE_VALUE = /^(?=.*\d)[A-Za-z0-9._~-]{12,}$/;

const SECRET_NAMES =
  'auth|access_token|refresh_token|application_token|AUTH_ID|REFRESH_ID|APPLICATION_TOKEN|client_secret|password|secret|code|signature|token|accessToken|refreshToken|applicationToken|clientSecret';
const IN_QUERY = new RegExp(`((?:^|[?&\\s"'])(?:auth(?:\\[|%5B))?(?:${SECRET_NAMES})(?:\\]|%5D)?=)[^&\\s"']+`, 'gi');
const IN_JSON = new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*")[^"]*(")`, 'gi');
/** The secret of a live report link is its path segment (/reports/live/{token}.csv). */
const LIVE_LINK = /(\/reports\/live\/)[^/?#\s"']+/g;
/**
 * The secret of an amoCRM webhook destination is its last path segment
 * (/amocrm/webhooks/{installationId}/{secret}): a request path, a URL or a query string naming
 * the destination (`%2F`-encoded) carries it. Express routes ignore case, so the mask does too;
 * the route pattern's `:secret` (our secrets never start with a colon) stays readable.
 */
const AMO_WEBHOOK = /((?:\/|%2F)amocrm(?:\/|%2F)webhooks(?:\/|%2F)[^/?#&\s"']*?(?:\/|%2F))(?!:)(?:(?!%2F)[^/?#&\s"'])+/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
/** Token shapes inside free text: JWTs, 32+ hex digits, 40+ base64/base64url characters with letters and digits. */
const JWT_IN_TEXT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const HEX_IN_TEXT = /(?<![A-Za-z0-9])[A-Fa-f0-9]{32,}(?![A-Za-z0-9])/g;
const BASE64_IN_TEXT = /(?<![A-Za-z0-9+_-])(?=[A-Za-z0-9+_=-]*\d)(?=[A-Za-z0-9+_=-]*[A-Za-z])[A-Za-z0-9+_-]{40,}={0,2}(?![A-Za-z0-9+_=-])/g;

/** A whole value that looks like a credential, whatever key it sits under. */
export function looksLikeSecret(value: string): boolean {
  const text = value.trim();
  if (/^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}$/.test(text)) return true; // JWT-like
  if (/^[A-Fa-f0-9]{32,}$/.test(text)) return true;
  // base64 / base64url / opaque tokens: long, no separators a sentence or a path would have, letters and digits mixed.
  return /^[A-Za-z0-9+_~=-]{32,}$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} chars]`;
}

export function redactString(text: string, max = MAX_STRING, shapes = true): string {
  // Cut first: a regex over a 200 KB string costs, and nothing past the cut is written anyway.
  const named = cut(text, max)
    .replace(IN_QUERY, (_match, prefix: string) => `${prefix}${MASK}`)
    .replace(IN_JSON, (_match, prefix: string, suffix: string) => `${prefix}${MASK}${suffix}`)
    .replace(BEARER, (_match, scheme: string) => `${scheme} ${MASK}`)
    .replace(LIVE_LINK, (_match, prefix: string) => `${prefix}${MASK}`)
    .replace(AMO_WEBHOOK, (_match, prefix: string) => `${prefix}${MASK}`);
  return shapes ? named.replace(JWT_IN_TEXT, MASK).replace(HEX_IN_TEXT, MASK).replace(BASE64_IN_TEXT, MASK) : named;
}

function isSecretKey(key: string, value: unknown, underAuth: boolean): boolean {
  if (/^auth\[/i.test(key)) return !AUTH_SAFE_KEYS.has(key.slice(5, -1).toLowerCase());
  // Bitrix24 REST takes the access token as a plain `auth` parameter.
  if (key.toLowerCase() === 'auth' && typeof value === 'string') return true;
  if (underAuth) return !AUTH_SAFE_KEYS.has(key.toLowerCase());
  if (/^(code|auth_code|authorization_code)$/i.test(key)) return typeof value === 'string' && OAUTH_CODE_VALUE.test(value);
  if (SECRET_KEY.test(key)) return true;
  return typeof value === 'string' && !IDENTITY_KEYS.test(key) && looksLikeSecret(value);
}

/** What a body was, without what it said. */
function summarizeBody(value: unknown): string {
  if (typeof value === 'string') return `[body: ${value.length} chars]`;
  if (Buffer.isBuffer(value)) return `[body: ${value.length} bytes]`;
  if (Array.isArray(value)) return `[body: ${value.length} items]`;
  if (value && typeof value === 'object') return `[body: ${Object.keys(value).length} fields]`;
  return '[body]';
}

/** An error as name, message, code, status, details and cause: never its request, response, config or body. */
function summarizeError(error: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const extra = error as Error & { code?: unknown; status?: unknown; details?: unknown; type?: unknown };
  const out: Record<string, unknown> = { name: error.name, message: redactString(error.message) };
  if (typeof extra.code === 'string' || typeof extra.code === 'number') out.code = extra.code;
  if (typeof extra.status === 'number') out.status = extra.status;
  if (typeof extra.type === 'string') out.type = cut(extra.type, 100);
  if (extra.details !== undefined) out.details = redact(extra.details, seen, false, depth + 1);
  if (error.cause !== undefined) out.cause = redact(error.cause, seen, false, depth + 1);
  if (error.stack) out.stack = redactString(error.stack, MAX_STACK);
  return out;
}

export function redact(value: unknown, seen: WeakSet<object> = new WeakSet(), underAuth = false, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? `[${value.length} items]` : '[Object]';
  seen.add(value);
  if (value instanceof Error) return summarizeError(value, seen, depth);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => redact(item, seen, underAuth, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…[+${value.length - MAX_ITEMS} items]`] : items;
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value);
  for (const [key, item] of entries.slice(0, MAX_KEYS)) {
    const name = cut(key, 100);
    if (BODY_KEY.test(key) && item !== null && item !== undefined) out[name] = summarizeBody(item);
    else if (isSecretKey(key, item, underAuth) && item !== null && item !== undefined && item !== '') out[name] = MASK;
    else if (typeof item === 'string' && IDENTITY_KEYS.test(key)) out[name] = redactString(item, MAX_STRING, false);
    else out[name] = redact(item, seen, underAuth || key.toLowerCase() === 'auth', depth + 1);
  }
  if (entries.length > MAX_KEYS) out['…'] = `+${entries.length - MAX_KEYS} keys`;
  return out;
}
