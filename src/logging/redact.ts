/**
 * Masks secrets anywhere in a log record: values under secret-looking keys, everything under
 * `auth` / `auth[...]` except the portal's identity, and secrets embedded in strings (query
 * strings, form bodies, JSON text, Bearer headers). Tokens and secrets never reach a log.
 */
export const MASK = '[REDACTED]';

const SECRET_KEY =
  /(^|[_\-.[\s])(access[_-]?token|refresh[_-]?token|application[_-]?token|auth[_-]?id|refresh[_-]?id|client[_-]?secret|secret|password|passwd|authorization|api[_-]?key|cookie|set-cookie|token|x-auth-token|x-refresh-token|signature|encryption[_-]?key)($|[_\-.\]\s])/i;
/** Keys under `auth` that identify the portal rather than authenticate it; safe to log. */
const AUTH_SAFE_KEYS = new Set(['domain', 'member_id', 'client_endpoint', 'server_endpoint', 'scope', 'status', 'user_id']);
/** An OAuth authorization code looks random: long, with digits. Error codes (expired_token) do not. */
const OAUTH_CODE_VALUE = /^(?=.*\d)[A-Za-z0-9._~-]{12,}$/;

const SECRET_NAMES =
  'auth|access_token|refresh_token|application_token|AUTH_ID|REFRESH_ID|APPLICATION_TOKEN|client_secret|password|secret|code|signature|token|accessToken|refreshToken|applicationToken|clientSecret';
const IN_QUERY = new RegExp(`((?:^|[?&\\s"'])(?:auth(?:\\[|%5B))?(?:${SECRET_NAMES})(?:\\]|%5D)?=)[^&\\s"']+`, 'gi');
const IN_JSON = new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*")[^"]*(")`, 'gi');
/** The secret of a live report link is its path segment (/reports/live/{token}.csv). */
const LIVE_LINK = /(\/reports\/live\/)[^/?#\s"']+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

export function redactString(text: string): string {
  return text
    .replace(IN_QUERY, (_match, prefix: string) => `${prefix}${MASK}`)
    .replace(IN_JSON, (_match, prefix: string, suffix: string) => `${prefix}${MASK}${suffix}`)
    .replace(BEARER, (_match, scheme: string) => `${scheme} ${MASK}`)
    .replace(LIVE_LINK, (_match, prefix: string) => `${prefix}${MASK}`);
}

function isSecretKey(key: string, value: unknown, underAuth: boolean): boolean {
  if (/^auth\[/i.test(key)) return !AUTH_SAFE_KEYS.has(key.slice(5, -1).toLowerCase());
  // Bitrix24 REST takes the access token as a plain `auth` parameter.
  if (key.toLowerCase() === 'auth' && typeof value === 'string') return true;
  if (underAuth) return !AUTH_SAFE_KEYS.has(key.toLowerCase());
  if (/^(code|auth_code|authorization_code)$/i.test(key)) return typeof value === 'string' && OAUTH_CODE_VALUE.test(value);
  return SECRET_KEY.test(key);
}

export function redact(value: unknown, seen: WeakSet<object> = new WeakSet(), underAuth = false): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen, underAuth));
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), stack: value.stack ? redactString(value.stack) : undefined, ...(redact({ ...value }, seen) as object) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (isSecretKey(key, item, underAuth) && item !== null && item !== undefined && item !== '') {
      out[key] = MASK;
    } else {
      out[key] = redact(item, seen, underAuth || key.toLowerCase() === 'auth');
    }
  }
  return out;
}
