import { KamError } from '../../../src/core/errors';
import { bitrix24Error, vendorCodeOf } from '../../../src/connectors/bitrix24/bitrix24-errors';

describe('Bitrix24 vendor error codes -> the KamError tree (one place)', () => {
  it.each([
    // status, vendor code, our code, retryable
    [401, 'expired_token', 'TOKEN_EXPIRED', true],
    [401, 'invalid_token', 'TOKEN_EXPIRED', true],
    [401, 'NO_AUTH_FOUND', 'UNAUTHORIZED', false],
    [503, 'QUERY_LIMIT_EXCEEDED', 'RATE_LIMITED', true],
    [429, 'OPERATION_TIME_LIMIT', 'RATE_LIMITED', true],
    [503, 'OVERLOAD_LIMIT', 'CRM_UNAVAILABLE', false],
    [403, 'ACCESS_DENIED', 'FORBIDDEN', false],
    [403, 'INVALID_CREDENTIALS', 'FORBIDDEN', false],
    [403, 'insufficient_scope', 'FORBIDDEN', false],
    [403, 'user_access_error', 'FORBIDDEN', false],
    [403, 'WRONG_AUTH_TYPE', 'FORBIDDEN', false],
    [500, 'PORTAL_DELETED', 'FORBIDDEN', false],
    [400, 'invalid_grant', 'TOKEN_REFRESH_FAILED', false],
    [401, 'invalid_client', 'TOKEN_REFRESH_FAILED', false],
    [500, 'INTERNAL_SERVER_ERROR', 'CRM_UNAVAILABLE', true],
    [500, 'ERROR_UNEXPECTED_ANSWER', 'CRM_UNAVAILABLE', true],
    [400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'CRM_REJECTED', false],
    [405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'CRM_REJECTED', false],
    [400, 'INVALID_REQUEST', 'CRM_REJECTED', false],
    [400, 'ERROR_CORE', 'CRM_REJECTED', false],
    [400, 'OWNER_NOT_FOUND', 'NOT_FOUND', false],
  ] as const)('%i %s -> %s (retryable %s)', (status, vendor, code, retryable) => {
    const error = bitrix24Error(status, { error: vendor, error_description: 'described' }, 'crm.deal.list');
    expect(error).toBeInstanceOf(KamError);
    expect(error).toMatchObject({ code, retryable, details: { vendorCode: vendor, httpStatus: status, method: 'crm.deal.list' } });
    expect(error.message).toBe(`Bitrix24 crm.deal.list: ${vendor} (described)`);
    expect(vendorCodeOf(error)).toBe(vendor);
  });

  it.each([
    [502, 'CRM_UNAVAILABLE', true],
    [504, 'CRM_UNAVAILABLE', true],
    [500, 'CRM_UNAVAILABLE', true],
    [401, 'UNAUTHORIZED', false],
    [403, 'FORBIDDEN', false],
    [404, 'CRM_REJECTED', false],
    [400, 'CRM_REJECTED', false],
  ] as const)('unknown code with HTTP %i -> %s', (status, code, retryable) => {
    const error = bitrix24Error(status, { error: 'SOMETHING_NEW' }, 'x.y');
    expect(error).toMatchObject({ code, retryable, details: { vendorCode: 'SOMETHING_NEW' } });
  });

  it('names HTTP_<status> when the body has no error code (e.g. an HTML page from a proxy)', () => {
    const error = bitrix24Error(502, undefined, 'batch');
    expect(error).toMatchObject({ code: 'CRM_UNAVAILABLE', retryable: true, details: { vendorCode: 'HTTP_502', httpStatus: 502 } });
    expect(error.message).toBe('Bitrix24 batch: HTTP_502');
  });

  it('an error code on a 200 response is still an error (and not a server fault)', () => {
    expect(bitrix24Error(200, { error: 'ERROR_METHOD_NOT_FOUND' }, 'crm.foo')).toMatchObject({ code: 'CRM_REJECTED', retryable: false });
    expect(bitrix24Error(200, { error: 'NEVER_SEEN' }, 'crm.foo')).toMatchObject({ code: 'CRM_REJECTED' });
  });

  it('does not take object prototype keys for vendor codes', () => {
    expect(bitrix24Error(400, { error: 'constructor' }, 'm')).toMatchObject({ code: 'CRM_REJECTED' });
    expect(bitrix24Error(503, { error: 'toString' }, 'm')).toMatchObject({ code: 'CRM_UNAVAILABLE' });
  });
});
