import { KamError, type ErrorCode } from '../../core/errors';

/**
 * Every Bitrix24 error code we know, mapped onto our error tree in one place.
 * Sources: https://apidocs.bitrix24.com/error-codes.html (system errors),
 * https://apidocs.bitrix24.com/settings/oauth/error-codes.html (OAuth server),
 * and the SDK's treatment of `invalid_token` as an expired token.
 */
const VENDOR_CODES: Record<string, { code: ErrorCode; retryable?: boolean }> = {
  expired_token: { code: 'TOKEN_EXPIRED' },
  invalid_token: { code: 'TOKEN_EXPIRED' },
  NO_AUTH_FOUND: { code: 'UNAUTHORIZED' },
  QUERY_LIMIT_EXCEEDED: { code: 'RATE_LIMITED' },
  OPERATION_TIME_LIMIT: { code: 'RATE_LIMITED' },
  // A manual block by Bitrix24 support: retrying only makes it worse.
  OVERLOAD_LIMIT: { code: 'CRM_UNAVAILABLE', retryable: false },
  ACCESS_DENIED: { code: 'FORBIDDEN' },
  INVALID_CREDENTIALS: { code: 'FORBIDDEN' },
  insufficient_scope: { code: 'FORBIDDEN' },
  invalid_scope: { code: 'FORBIDDEN' },
  user_access_error: { code: 'FORBIDDEN' },
  WRONG_AUTH_TYPE: { code: 'FORBIDDEN' },
  PAYMENT_REQUIRED: { code: 'FORBIDDEN' },
  PORTAL_DELETED: { code: 'FORBIDDEN' },
  invalid_grant: { code: 'TOKEN_REFRESH_FAILED' },
  invalid_client: { code: 'TOKEN_REFRESH_FAILED' },
  invalid_request: { code: 'CRM_REJECTED' },
  INTERNAL_SERVER_ERROR: { code: 'CRM_UNAVAILABLE' },
  ERROR_UNEXPECTED_ANSWER: { code: 'CRM_UNAVAILABLE' },
  NOT_FOUND: { code: 'NOT_FOUND' },
  OWNER_NOT_FOUND: { code: 'NOT_FOUND' },
  ERROR_METHOD_NOT_FOUND: { code: 'CRM_REJECTED' },
  ERROR_BATCH_LENGTH_EXCEEDED: { code: 'CRM_REJECTED' },
  ERROR_BATCH_METHOD_NOT_ALLOWED: { code: 'CRM_REJECTED' },
  ERROR_ARGUMENT: { code: 'CRM_REJECTED' },
  INVALID_ARG_VALUE: { code: 'CRM_REJECTED' },
  INVALID_REQUEST: { code: 'CRM_REJECTED' },
  ERROR_CORE: { code: 'CRM_REJECTED' },
  ERROR_EVENT_NOT_FOUND: { code: 'CRM_REJECTED' },
  ERROR_PLACEMENT_NOT_FOUND: { code: 'CRM_REJECTED' },
};

export interface Bitrix24ErrorBody {
  error?: unknown;
  error_description?: unknown;
}

export function bitrix24Error(status: number, body: Bitrix24ErrorBody | undefined, method: string): KamError {
  const vendor = typeof body?.error === 'string' ? body.error : `HTTP_${status}`;
  const description = typeof body?.error_description === 'string' ? body.error_description : '';
  const known = VENDOR_CODES[vendor];
  const code: ErrorCode = known?.code ?? (status >= 500 ? 'CRM_UNAVAILABLE' : status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : 'CRM_REJECTED');
  return new KamError(code, `Bitrix24 ${method}: ${vendor}${description ? ` (${description})` : ''}`, {
    ...(known?.retryable === undefined ? {} : { retryable: known.retryable }),
    details: { vendorCode: vendor, httpStatus: status, method },
  });
}

export function vendorCodeOf(error: KamError): string | undefined {
  return typeof error.details.vendorCode === 'string' ? error.details.vendorCode : undefined;
}
