import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logging/logger';
import { MASK, redact, redactString } from '../../../src/logging/redact';

const SECRETS = ['a1b2c3d4e5f6access', 'r9e8f7r6e5s4h', 'apptok123456789', 'supersecret42', 'oauthcode1234567890', 'eyJhbGciOi.J9.sig'];

function capture(format: 'json' | 'pretty') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', format, stream }), lines };
}

describe('log redaction', () => {
  it('masks tokens, secrets, auth[...] fields and OAuth codes anywhere in a record', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { logger, lines } = capture(format);
      logger.info('install event', {
        body: {
          event: 'ONAPPINSTALL',
          'auth[access_token]': SECRETS[0],
          'auth[refresh_token]': SECRETS[1],
          'auth[domain]': 'portal.bitrix24.ru',
          auth: { application_token: SECRETS[2], member_id: 'm-1', access_token: SECRETS[0] },
        },
        client_secret: SECRETS[3],
        query: { code: SECRETS[4], state: 'xyz' },
        nested: [{ tokens: { accessToken: SECRETS[0], refreshToken: SECRETS[1] } }],
        headers: { Authorization: `Bearer ${SECRETS[5]}`, 'x-auth-token': SECRETS[5] },
      });
      logger.warn(`refresh failed for https://x/oauth/token/?grant_type=refresh_token&refresh_token=${SECRETS[1]}&client_secret=${SECRETS[3]}`);
      logger.error('body was', { raw: `{"access_token":"${SECRETS[0]}","expires_in":3600}` });
      logger.info(`form AUTH_ID=${SECRETS[0]}&REFRESH_ID=${SECRETS[1]}&member_id=m-1`);
      logger.error('failed', { error: new Error(`call with auth=${SECRETS[0]} failed`) });
      const all = lines.join('\n');
      for (const secret of SECRETS) expect(all).not.toContain(secret);
      expect(all).toContain(MASK);
      // Identity stays readable, so an operator can still tell which portal it was.
      expect(all).toContain('portal.bitrix24.ru');
      expect(all).toContain('m-1');
    }
  });

  it('keeps error codes that are not OAuth codes', () => {
    expect(redact({ code: 'expired_token', error: { code: 'QUERY_LIMIT_EXCEEDED' } })).toEqual({
      code: 'expired_token',
      error: { code: 'QUERY_LIMIT_EXCEEDED' },
    });
  });

  it('masks secrets inside strings', () => {
    expect(redactString('GET /cb?code=def50200abc123456789&state=s1')).toBe(`GET /cb?code=${MASK}&state=s1`);
    expect(redactString('Authorization: Bearer abc.def.ghi')).toBe(`Authorization: Bearer ${MASK}`);
    expect(redactString('auth%5Baccess_token%5D=zzz111&x=1')).toBe(`auth%5Baccess_token%5D=${MASK}&x=1`);
  });

  it('writes JSON lines in json format', () => {
    const { logger, lines } = capture('json');
    logger.child({ installationId: 'inst-1' }).info('hello');
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', message: 'hello', installationId: 'inst-1' });
  });
});
