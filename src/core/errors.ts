/**
 * One typed error tree (STYLE.md rule 3). Every failure the app reports carries a code from
 * this closed union, the HTTP status it maps to, and whether retrying may help. Each
 * connector maps its vendor codes onto these in one file (`*-errors.ts`).
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REFRESH_FAILED'
  | 'CRM_UNAVAILABLE'
  | 'CRM_REJECTED'
  | 'NETWORK'
  | 'ENCRYPTION_KEY_MISMATCH'
  | 'STORAGE'
  | 'INTERNAL';

const DEFAULTS: Record<ErrorCode, { status: number; retryable: boolean }> = {
  CONFIG_INVALID: { status: 500, retryable: false },
  INPUT_INVALID: { status: 400, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  TOKEN_EXPIRED: { status: 401, retryable: true },
  TOKEN_REFRESH_FAILED: { status: 401, retryable: false },
  CRM_UNAVAILABLE: { status: 503, retryable: true },
  CRM_REJECTED: { status: 502, retryable: false },
  NETWORK: { status: 504, retryable: true },
  ENCRYPTION_KEY_MISMATCH: { status: 500, retryable: false },
  STORAGE: { status: 500, retryable: false },
  INTERNAL: { status: 500, retryable: false },
};

export interface KamErrorOptions {
  status?: number;
  retryable?: boolean;
  /** Machine-readable detail (a JSON path, a vendor code). Never a secret. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class KamError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: KamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KamError';
    this.code = code;
    this.status = options.status ?? DEFAULTS[code].status;
    this.retryable = options.retryable ?? DEFAULTS[code].retryable;
    this.details = options.details ?? {};
  }
}

export function isKamError(error: unknown): error is KamError {
  return error instanceof KamError;
}

/** Expected failures (a bad signature, a bad config) are returned, not thrown. */
export type Result<T, E = KamError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error });
