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
        fields: {
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

  it('masks credentials by their shape under keys nobody foresaw, and keeps identities readable', () => {
    const refresh = 'f1e2d3c4b5a6978877665544332211aa0000071b0000071a00000001000003b1';
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const base64Key = 'q83vEjRWeJq8zeDxI0VniavN7wEjRWeJq83vEjRWeJo=';
    const record = redact({
      pair: { r: refresh, nested: [{ anything: jwt }] },
      key: base64Key,
      memberId: 'a223c6b3710f85df22e9377d6c4f7553',
      installationId: '0b9d7a3e-9a52-4b36-8a5e-1f2a3b4c5d6e',
      method: 'crm.company.userfield.list',
      path: '/work/wt/b24-hardening/data/kam.sqlite',
      note: `retry with ${refresh} later; token ${jwt}`,
    }) as Record<string, unknown>;
    const text = JSON.stringify(record);
    for (const secret of [refresh, jwt, base64Key]) expect(text).not.toContain(secret);
    expect(record).toMatchObject({
      memberId: 'a223c6b3710f85df22e9377d6c4f7553',
      installationId: '0b9d7a3e-9a52-4b36-8a5e-1f2a3b4c5d6e',
      method: 'crm.company.userfield.list',
      path: '/work/wt/b24-hardening/data/kam.sqlite',
      note: `retry with ${MASK} later; token ${MASK}`,
    });
  });

  it('never logs a body or what an error carries (request, response, config), only a bounded summary', () => {
    const { logger, lines } = capture('json');
    const error = Object.assign(new Error('Bitrix24 refused'), {
      code: 'CRM_REJECTED',
      body: 'AUTH_ID=plain&data[x]=customer name',
      response: { data: { secret_answer: 'customer name' } },
      config: { data: 'auth=plaintoken' },
    });
    logger.error('refused', { error, body: { member_id: 'm-1', text: 'customer name' }, rawBody: Buffer.from('customer name') });
    const all = lines.join('\n');
    expect(all).not.toContain('customer name');
    expect(all).not.toContain('plain');
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ body: '[body: 2 fields]', rawBody: '[body: 13 bytes]', error: { name: 'Error', message: 'Bitrix24 refused', code: 'CRM_REJECTED' } });
  });

  it('writes a bounded line for a 200 KB event name, a huge array and a deep object', () => {
    const { logger, lines } = capture('json');
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < 50; i += 1) deep = { deeper: deep };
    logger.warn('Bitrix24 event refused', { event: 'ONCRMDEALUPDATE'.repeat(14_000), ids: Array.from({ length: 10_000 }, (_, i) => i), deep });
    expect(lines).toHaveLength(1);
    expect((lines[0] ?? '').length).toBeLessThan(3_000);
    const record = JSON.parse(lines[0] ?? '{}') as { event: string; ids: unknown[] };
    expect(record.event).toMatch(/^ONCRMDEALUPDATE[A-Z]+…\[\+209500 chars\]$/);
    expect(record.ids).toHaveLength(51);
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

  it("masks the amoCRM webhook secret in a path or destination URL, and keeps the installation's id", () => {
    const secret = 'Xq3_8vLr2mN0pQ7sT1uV9wY4zA6bC5dE';
    expect(redactString(`/amocrm/webhooks/5f0c-11/${secret}`)).toBe(`/amocrm/webhooks/5f0c-11/${MASK}`);
    expect(redactString(`subscribed https://kam.example/amocrm/webhooks/5f0c-11/${secret}?x=1 at amo`)).toBe(`subscribed https://kam.example/amocrm/webhooks/5f0c-11/${MASK}?x=1 at amo`);
    const { logger, lines } = capture('json');
    logger.warn('request refused', { path: `/amocrm/webhooks/5f0c-11/${secret}`, code: 'entity.too.large' });
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).toContain('/amocrm/webhooks/5f0c-11/');
  });

  it("masks an amoCRM webhook destination's secret (its last path segment) in any string of any record", () => {
    // Short and without digits: no token shape would catch it, only the path form does.
    const secret = 'hook-secret';
    expect(redactString(`/amocrm/webhooks/12/${secret}`)).toBe(`/amocrm/webhooks/12/${MASK}`);
    expect(redactString(`POST https://kam.example/AMOCRM/Webhooks/12/${secret}/?x=1`)).toBe(`POST https://kam.example/AMOCRM/Webhooks/12/${MASK}/?x=1`);
    expect(redactString(`filter[destination]=https%3A%2F%2Fkam.example%2Famocrm%2Fwebhooks%2F12%2F${secret}&page=2`)).toBe(
      `filter[destination]=https%3A%2F%2Fkam.example%2Famocrm%2Fwebhooks%2F12%2F${MASK}&page=2`,
    );
    const record = redact({ path: `/amocrm/webhooks/1/${secret}`, id: `/amocrm/webhooks/1/${secret}`, nested: [{ message: `No route for GET /amocrm/webhooks/1/${secret}/x` }] });
    expect(JSON.stringify(record)).not.toContain(secret);
    for (const format of ['json', 'pretty'] as const) {
      const { logger, lines } = capture(format);
      logger.warn(`refused /amocrm/webhooks/1/${secret}`, { url: `/amocrm/webhooks/1/${secret}`, error: new Error(`at /amocrm/webhooks/1/${secret}`) });
      expect(lines.join('\n')).not.toContain(secret);
    }
    // The route pattern and other amoCRM paths stay readable.
    expect(redactString('/amocrm/webhooks/:installationId/:secret')).toBe('/amocrm/webhooks/:installationId/:secret');
    expect(redactString('/amocrm/widget/account-view')).toBe('/amocrm/widget/account-view');
  });

  it('writes JSON lines in json format', () => {
    const { logger, lines } = capture('json');
    logger.child({ installationId: 'inst-1' }).info('hello');
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', message: 'hello', installationId: 'inst-1' });
  });
});
