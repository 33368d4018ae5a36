import type { Response } from 'express';
import { KamError } from '../../core/errors';

/**
 * amoCRM answers errors as application/problem+json `{title, type, status, detail}`, and 400s
 * from writes add `validation-errors: [{request_id, errors:[{code, path, detail}]}]`
 * (shared/reference/amocrm-api.md §6, https://www.amocrm.com/developers/content/api/errors).
 */
export interface ValidationIssue {
  code: string;
  path: string;
  detail: string;
}

export interface ValidationErrorEntry {
  request_id: string;
  errors: ValidationIssue[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** OAuth errors carry this type and a `hint` (issues amocrm/amocrm-api-php#123, #269). */
export const OAUTH_PROBLEM_TYPE = 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson';

export function problemBody(status: number, detail: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: TITLES[status] ?? 'Error', type: `https://httpstatus.es/${status}`, status, detail, ...extra };
}

export function sendProblem(res: Response, status: number, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').send(JSON.stringify(problemBody(status, detail, extra)));
}

export function sendOAuthProblem(res: Response, status: number, detail: string, hint: string): void {
  const body = { hint, title: 'Некорректный запрос', type: OAUTH_PROBLEM_TYPE, status, detail };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/** A validation failure inside our code: a KamError whose details carry amo's validation-errors. */
export function validationError(entries: ValidationErrorEntry[]): KamError {
  return new KamError('INPUT_INVALID', 'Request validation failed', { details: { validationErrors: entries } });
}

/** Maps a KamError from the sandbox's own code onto amo's problem+json. */
export function sendKamError(res: Response, error: KamError): void {
  const entries = error.details['validationErrors'];
  if (Array.isArray(entries)) {
    sendProblem(res, 400, 'Request validation failed', { 'validation-errors': entries });
    return;
  }
  sendProblem(res, error.status, error.message);
}

/** Mutable collector used while validating a batch of write items. */
export function createIssueCollector(): {
  add(requestId: string, code: string, path: string, detail: string): void;
  entries(): ValidationErrorEntry[];
} {
  const byRequest = new Map<string, ValidationIssue[]>();
  return {
    add(requestId, code, path, detail) {
      const list = byRequest.get(requestId) ?? [];
      list.push({ code, path, detail });
      byRequest.set(requestId, list);
    },
    entries() {
      return [...byRequest.entries()].map(([request_id, errors]) => ({ request_id, errors }));
    },
  };
}

export const DETAIL = {
  notExpected: 'This field was not expected.',
  notBlank: 'This value should not be blank.',
  notChoice: 'The value you selected is not a valid choice.',
  badType: 'This value is not valid.',
} as const;
