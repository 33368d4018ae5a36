import express from 'express';

/**
 * The form parser for what Bitrix24 posts (application/x-www-form-urlencoded with bracket
 * notation: `auth[member_id]`, `data[FIELDS][ID]`), with explicit bounds: 256 KB, 2,000
 * parameters, 32 levels of nesting. Anything past them, a charset other than UTF-8, or an
 * unknown or broken Content-Encoding is refused with a 4xx by the error handler.
 * https://apidocs.bitrix24.com/api-reference/events/index.html
 */
export const FORM_LIMITS = { limit: '256kb', parameterLimit: 2000, depth: 32 } as const;

export const formBody = express.urlencoded({ extended: true, ...FORM_LIMITS });
