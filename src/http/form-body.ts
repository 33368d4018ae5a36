import express from 'express';
import type { FormLimits } from './event-intake';

/**
 * The form parser for what the CRMs post (application/x-www-form-urlencoded with bracket notation:
 * `auth[member_id]`, `data[FIELDS][ID]`, amoCRM's `leads[update][0][id]`), with explicit bounds.
 * Anything past them, a charset other than UTF-8, or an unknown or broken Content-Encoding is
 * refused with a 4xx by the error handler. The event intake (event-intake.ts) parses a plain
 * event's form itself within the same bounds.
 * https://apidocs.bitrix24.com/api-reference/events/index.html
 */
export const BITRIX24_FORM: FormLimits = { bytes: 256 * 1024, parameters: 2000, depth: 32 };

/** amoCRM's webhooks carry every changed entity of a batch with its custom fields: more room. */
export const AMOCRM_FORM: FormLimits = { bytes: 512 * 1024, parameters: 5000, depth: 32 };

export const formParser = (limits: FormLimits) => {
  // body-parser 2 reads `depth`; its type declarations do not list it yet.
  const options = { extended: true, limit: limits.bytes, parameterLimit: limits.parameters, depth: limits.depth };
  return express.urlencoded(options);
};

export const formBody = formParser(BITRIX24_FORM);
