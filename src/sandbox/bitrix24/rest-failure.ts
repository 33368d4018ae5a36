import type { Result } from '../../core/errors';
import { fail } from '../../core/errors';

/**
 * A refusal the sandbox answers with, in Bitrix24's own body shape
 * `{"error": "...", "error_description": "..."}` and the documented HTTP status
 * (docs:_includes/system-errors.md; the per-method pages list their own codes).
 * Method handlers return these through the project's `Result`, never throw them.
 */
export interface RestFailure {
  error: string;
  error_description: string;
  status: number;
  /** Extra documented fields, e.g. `argument` for ERROR_ARGUMENT. */
  extra?: Record<string, unknown>;
}

export type RestResult<T = unknown> = Result<T, RestFailure>;

export function restFailure(error: string, description: string, status = 400, extra?: Record<string, unknown>): RestFailure {
  return extra ? { error, error_description: description, status, extra } : { error, error_description: description, status };
}

export function refuse(error: string, description: string, status = 400, extra?: Record<string, unknown>): RestResult<never> {
  return fail(restFailure(error, description, status, extra));
}

export function failureBody(failure: RestFailure): Record<string, unknown> {
  return { error: failure.error, error_description: failure.error_description, ...(failure.extra ?? {}) };
}

/** The system errors of docs:_includes/system-errors.md, with their statuses. */
export const SYSTEM = {
  noAuth: () => restFailure('NO_AUTH_FOUND', 'Wrong authorization data', 401),
  expired: () => restFailure('expired_token', 'The access token provided has expired.', 401),
  invalidToken: () => restFailure('invalid_token', 'The access token provided is invalid.', 401),
  queryLimit: () => restFailure('QUERY_LIMIT_EXCEEDED', 'Too many requests', 503),
  operationLimit: (method: string) => restFailure('OPERATION_TIME_LIMIT', `Method is blocked due to operation time limit: ${method}`, 429),
  methodNotFound: () => restFailure('ERROR_METHOD_NOT_FOUND', 'Method not found!', 404),
  internal: () => restFailure('INTERNAL_SERVER_ERROR', 'Internal server error', 500),
  accessDenied: (why = 'Access denied!') => restFailure('ACCESS_DENIED', why, 403),
  wrongAuthType: () => restFailure('WRONG_AUTH_TYPE', 'Current authorization type is denied for this method', 403),
  batchLength: () => restFailure('ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded', 400),
  batchMethod: () => restFailure('ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage', 405),
  /** Legacy crm.deal/company/contact.* answer a missing row with an empty code (docs:api-reference/crm/deals/crm-deal-get). */
  legacyNotFound: () => restFailure('', 'Not found', 400),
  legacyBadId: () => restFailure('', 'ID is not defined or invalid.', 400),
  /** crm.item.*, crm.activity.todo.*, timeline: NOT_FOUND (docs:api-reference/crm/universal/crm-item-get). */
  notFound: (what = 'Element not found') => restFailure('NOT_FOUND', what, 400),
} as const;
