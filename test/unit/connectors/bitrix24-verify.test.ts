import fc from 'fast-check';
import { loadConfig } from '../../../src/config';
import { portalEndpoint, secretsEqual } from '../../../src/connectors/bitrix24/bitrix24-verify';

/** The pattern the app runs with when BITRIX24_PORTAL_HOSTS is not set. */
function defaultPortalHosts(): RegExp {
  const config = loadConfig({ env: {}, envFile: null });
  if (!config.ok) throw config.error;
  return config.value.bitrix24.portalHosts;
}

const SANDBOX_HOSTS = /^127\.0\.0\.1:\d+$/i;

describe('secretsEqual', () => {
  it('is true only for identical secrets', () => {
    expect(secretsEqual('51856fefc120afa4b628cc82d3935cce', '51856fefc120afa4b628cc82d3935cce')).toBe(true);
    expect(secretsEqual('51856fefc120afa4b628cc82d3935cce', '51856fefc120afa4b628cc82d3935ccf')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });

  it('handles different lengths without throwing (timingSafeEqual alone would)', () => {
    expect(secretsEqual('short', 'a much longer secret')).toBe(false);
    expect(secretsEqual('abc', 'abc ')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
    expect(secretsEqual('ключ', 'ключ')).toBe(true);
    expect(secretsEqual('ключ', 'ключи')).toBe(false);
  });

  it('agrees with === for any pair of strings (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(secretsEqual(a, b)).toBe(a === b);
        expect(secretsEqual(a, a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('portalEndpoint', () => {
  const hosts = defaultPortalHosts();

  it.each(['acme.bitrix24.ru', 'acme.bitrix24.com', 'my-company.bitrix24.de', 'acme.bitrix24.com.br', 'ACME.Bitrix24.RU', ' acme.bitrix24.ru '])(
    'accepts %p over https and builds the REST endpoint from the cleaned host',
    (host) => {
      const expected = `https://${host.trim().toLowerCase()}/rest/`;
      expect(portalEndpoint(host, true, hosts)).toBe(expected);
    },
  );

  it('refuses plain http for a non-loopback host', () => {
    expect(portalEndpoint('acme.bitrix24.ru', false, hosts)).toBeNull();
  });

  it.each([
    'evil.com',
    'a.bitrix24.ru@evil.com',
    'a.bitrix24.ru/x',
    'a.bitrix24.ru.evil.com',
    'bitrix24.ru',
    'evil-bitrix24.ru',
    'a.bitrix24.ru:8443',
    'a.bitrix24.ru#x',
    'a.bitrix24.ru?x',
    'a.bitrix24.ru\\x',
    'a b.bitrix24.ru',
    'a.bitrix24.ru\n.evil.com',
    'user:pass@a.bitrix24.ru',
    '',
  ])('refuses %j', (host) => {
    expect(portalEndpoint(host, true, hosts)).toBeNull();
    expect(portalEndpoint(host, false, hosts)).toBeNull();
  });

  it('allows a loopback sandbox over http when the pattern allows it', () => {
    expect(portalEndpoint('127.0.0.1:4000', false, SANDBOX_HOSTS)).toBe('http://127.0.0.1:4000/rest/');
    expect(portalEndpoint('127.0.0.1:4000', true, SANDBOX_HOSTS)).toBe('https://127.0.0.1:4000/rest/');
  });

  it('does not allow loopback when the pattern does not, nor a look-alike over http', () => {
    expect(portalEndpoint('127.0.0.1:4000', false, hosts)).toBeNull();
    const permissive = /.*/;
    expect(portalEndpoint('127.0.0.1.evil.com', false, permissive)).toBeNull();
    expect(portalEndpoint('localhost.evil.com:80', false, permissive)).toBeNull();
    expect(portalEndpoint('localhost:3000', false, permissive)).toBe('http://localhost:3000/rest/');
  });

  it('with the default pattern, anything accepted is an https bitrix24 host and nothing else (property)', () => {
    const unit = fc.constantFrom(...'ab1-.:@/\\?#%[] \tX'.split(''), '.bitrix24.ru', '.evil.com');
    const hostArb = fc
      .tuple(fc.string({ unit, maxLength: 6 }), fc.constantFrom('.bitrix24.ru', '.bitrix24.com', '.bitrix24.com.br', ''), fc.string({ unit, maxLength: 4 }))
      .map((parts) => parts.join(''));
    // Random joins rarely form a valid portal name (about 1 run in 3 met none in 500), so real
    // portal names are mixed in: the accepting side is always exercised, and each is checked alike.
    const portalArb = fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), fc.constantFrom('.bitrix24.ru', '.bitrix24.com', '.bitrix24.com.br', '.bitrix24.de'))
      .map(([name, zone]) => `${name}${zone}`);
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(hostArb, portalArb), fc.boolean(), (host, secure) => {
        const endpoint = portalEndpoint(host, secure, hosts);
        if (endpoint === null) return;
        accepted += 1;
        const url = new URL(endpoint);
        expect(url.protocol).toBe('https:');
        expect(url.hostname).toBe(host.trim().toLowerCase());
        expect(url.hostname).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*\.bitrix24\.[a-z]{2,3}(\.[a-z]{2})?$/);
        expect(url.port).toBe('');
        expect(url.username + url.password).toBe('');
        expect(url.pathname).toBe('/rest/');
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(0); // the generator does reach the accepting side
  });
});
