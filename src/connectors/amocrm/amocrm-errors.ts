import { KamError, type ErrorCode } from '../../core/errors';

/**
 * Every amoCRM status and error we know, mapped onto our error tree in one place.
 * Sources: https://www.amocrm.com/developers/content/api/errors (problem+json, auth codes
 * 101-113), https://www.amocrm.ru/developers/content/api/recommendations (429, the 403 account
 * block, 504 = batch too big), OAuth problems with a `hint` (amocrm-api-php issues #123, #269).
 * Bodies of 429 and 403 may be HTML or empty (issues #318, #434): only JSON bodies are read,
 * and a 429 body never.
 */
export const ACCOUNT_BLOCKED = 'ACCOUNT_BLOCKED';
export const GATEWAY_TIMEOUT = 'GATEWAY_TIMEOUT';
export const VALIDATION_FAILED = 'VALIDATION_FAILED';

/** A validation issue of one item of a write, by its `request_id`. */
export interface AmoValidationIssue {
  requestId: string;
  detail: string;
}

type Body = Record<string, unknown>;

const isRecord = (value: unknown): value is Body => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The amo error codes of auth failures (the `response.error_code` of older answers). */
const AUTH_CODES: Record<string, { code: ErrorCode; reason: string }> = {
  '101': { code: 'FORBIDDEN', reason: 'no such account' },
  '110': { code: 'TOKEN_EXPIRED', reason: 'bad credentials' },
  '111': { code: 'RATE_LIMITED', reason: 'too many authorization attempts' },
  '112': { code: 'FORBIDDEN', reason: 'the user is disabled' },
  '113': { code: 'FORBIDDEN', reason: 'our IP is not in the account whitelist' },
};

function validationIssues(body: Body | undefined): AmoValidationIssue[] {
  const entries = body?.['validation-errors'];
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const errors = Array.isArray(entry.errors) ? entry.errors.filter(isRecord) : [];
    const detail = errors.map((error) => `${String(error.code ?? '')} ${String(error.path ?? '')}`.trim()).join(', ');
    return [{ requestId: String(entry.request_id ?? ''), detail }];
  });
}

/** Maps an API answer (status + parsed JSON body, if any) onto a KamError. */
export function amoError(status: number, body: unknown, what: string): KamError {
  const json = isRecord(body) ? body : undefined;
  const detail = typeof json?.detail === 'string' ? json.detail : typeof json?.title === 'string' ? json.title : '';
  const base = { httpStatus: status, request: what };
  const message = (text: string) => `amoCRM ${what}: ${text}${detail && status !== 429 ? ` (${detail})` : ''}`;
  if (status === 429) return new KamError('RATE_LIMITED', message('too many requests'), { details: { ...base, vendorCode: 'HTTP_429' } });
  if (status === 403) {
    // Repeated rate breaches end in a 403 on every call until support lifts it: never retried tightly.
    return new KamError('FORBIDDEN', message('the account refuses every request (blocked by amoCRM; support must lift it)'), {
      retryable: false,
      details: {
        ...base, vendorCode: ACCOUNT_BLOCKED, blockInstallation: true,
        blockReason: 'amoCRM blocked API access to this account (too many requests); amoCRM support must lift the block',
      },
    });
  }
  if (status === 401) {
    const auth = AUTH_CODES[String((json?.response as Body | undefined)?.error_code ?? '')];
    if (auth) return new KamError(auth.code, message(auth.reason), { details: { ...base, vendorCode: `AUTH_${auth.reason}` } });
    return new KamError('TOKEN_EXPIRED', message('the access token was refused'), { details: { ...base, vendorCode: 'HTTP_401' } });
  }
  if (status === 402) return new KamError('FORBIDDEN', message('the account has no paid plan'), { details: { ...base, vendorCode: 'HTTP_402' } });
  if (status === 404) return new KamError('NOT_FOUND', message('not found'), { details: { ...base, vendorCode: 'HTTP_404' } });
  if (status === 504) {
    return new KamError('CRM_UNAVAILABLE', message('gateway timeout (the batch may be too big)'), { details: { ...base, vendorCode: GATEWAY_TIMEOUT } });
  }
  if (status >= 500) return new KamError('CRM_UNAVAILABLE', message(`server error ${status}`), { details: { ...base, vendorCode: `HTTP_${status}` } });
  const issues = validationIssues(json);
  if (issues.length > 0) {
    return new KamError('CRM_REJECTED', message('validation failed'), { details: { ...base, vendorCode: VALIDATION_FAILED, validation: issues } });
  }
  return new KamError('CRM_REJECTED', message(`refused with ${status}`), { details: { ...base, vendorCode: `HTTP_${status}` } });
}

/**
 * The OAuth server's refusals. A refused refresh token (revoked, expired, already spent) is
 * `invalid_grant`, the code the token manager treats as a dead grant; our client credentials
 * or redirect URI refused are `invalid_client`: not the installation's fault.
 */
export function amoOAuthError(status: number, body: unknown, grant: 'authorization_code' | 'refresh_token'): KamError {
  const json = isRecord(body) ? body : undefined;
  const hint = typeof json?.hint === 'string' ? json.hint : '';
  const detail = typeof json?.detail === 'string' ? json.detail : '';
  const text = `amoCRM OAuth (${grant}): ${hint || detail || `HTTP ${status}`}`;
  if (status >= 500 || status === 429) return new KamError('CRM_UNAVAILABLE', text, { details: { httpStatus: status, vendorCode: `HTTP_${status}` } });
  const clientRefused = /client authentication|redirect uri/i.test(`${hint} ${detail}`);
  const vendorCode = clientRefused ? 'invalid_client' : 'invalid_grant';
  return new KamError(grant === 'refresh_token' ? 'TOKEN_REFRESH_FAILED' : 'UNAUTHORIZED', text, { details: { httpStatus: status, vendorCode, hint } });
}

/** A failure before any answer (DNS, reset, timeout). */
export function amoNetworkError(error: unknown, what: string): KamError {
  const code = (error as { code?: string }).code ?? 'NETWORK';
  return new KamError('NETWORK', `amoCRM ${what}: ${code}`, { cause: error, details: { request: what, vendorCode: code } });
}

export function vendorCodeOf(error: KamError): string | undefined {
  return typeof error.details.vendorCode === 'string' ? error.details.vendorCode : undefined;
}

/** True for the 403 account block: the cycle stops the installation and says why. */
export function isAccountBlocked(error: unknown): error is KamError {
  return error instanceof KamError && error.details.vendorCode === ACCOUNT_BLOCKED;
}

export function validationOf(error: KamError): AmoValidationIssue[] {
  return Array.isArray(error.details.validation) ? (error.details.validation as AmoValidationIssue[]) : [];
}
