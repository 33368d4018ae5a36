import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BITRIX24_CLOUD_ZONES, CONFIG_KEYS, loadConfig } from '../../src/config';
import { readFileSync } from 'node:fs';

describe('loadConfig', () => {
  it('works with no configuration at all (embedded defaults)', () => {
    const result = loadConfig({ env: {}, envFile: null });
    if (!result.ok) throw result.error;
    expect(result.value.http.port).toBe(3000);
    expect(result.value.storage.databaseUrl).toBeNull();
    expect(result.value.storage.sqliteFile).toBe(resolve('./data/kam.sqlite'));
    expect(result.value.http.publicUrl).toBe('http://127.0.0.1:3000');
    expect(result.value.jobs.reconcileCron).toBe('*/15 * * * *');
    expect(result.value.storage.verifiedCacheMs).toBe(10_000);
  });

  it('reads how long event verification may use an installation it read (KAM_VERIFIED_CACHE_SECONDS)', () => {
    const result = loadConfig({ env: { KAM_VERIFIED_CACHE_SECONDS: '0' }, envFile: null });
    if (!result.ok) throw result.error;
    expect(result.value.storage.verifiedCacheMs).toBe(0);
    const bad = loadConfig({ env: { KAM_VERIFIED_CACHE_SECONDS: '-1' }, envFile: null });
    expect(bad.ok ? null : bad.error.message).toContain('KAM_VERIFIED_CACHE_SECONDS');
  });

  it('names every bad key in one error', () => {
    const result = loadConfig({ env: { KAM_PORT: 'eighty', DATABASE_URL: 'mysql://x', KAM_LOG_LEVEL: 'loud' }, envFile: null });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('CONFIG_INVALID');
    expect(result.error.message).toContain('3 problems');
    expect(result.error.message).toContain('KAM_PORT');
    expect(result.error.message).toContain('DATABASE_URL');
    expect(result.error.message).toContain('KAM_LOG_LEVEL');
    expect(result.error.details.keys).toEqual(expect.arrayContaining(['KAM_PORT', 'DATABASE_URL', 'KAM_LOG_LEVEL']));
  });

  it('reads a .env file, and the real environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kam-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'KAM_PORT=4100\nKAM_DEFAULT_LANG=en\nKAM_LOG_LEVEL=\n');
    const result = loadConfig({ env: { KAM_DEFAULT_LANG: 'ru' }, envFile: file });
    if (!result.ok) throw result.error;
    expect(result.value.http.port).toBe(4100);
    expect(result.value.defaultLang).toBe('ru');
    expect(result.value.log.level).toBe('info');
  });

  it('lets CLI overrides win', () => {
    const result = loadConfig({ env: { KAM_PORT: '4100' }, envFile: null, overrides: { KAM_PORT: '0' } });
    if (!result.ok) throw result.error;
    expect(result.value.http.port).toBe(0);
  });

  it('admits a portal of each Bitrix24 cloud zone by default, and no look-alike', () => {
    const result = loadConfig({ env: {}, envFile: null });
    if (!result.ok) throw result.error;
    const hosts = result.value.bitrix24.portalHosts;
    for (const zone of BITRIX24_CLOUD_ZONES) expect(`b24-aokwy2.bitrix24.${zone}`).toMatch(hosts);
    for (const host of ['acme.bitrix24.xyz', 'acme.bitrix24.co', 'acme.bitrix24.com.evil', 'a.b.bitrix24.ru', 'acme.bitrix24.ru.evil.com', '-acme.bitrix24.ru', 'acme.bitrix24.tr', 'bitrix24.ru']) {
      expect(host).not.toMatch(hosts);
    }
  });

  it('the .env.example value of BITRIX24_PORTAL_HOSTS is the default', () => {
    const example = readFileSync(resolve(__dirname, '../../.env.example'), 'utf8');
    const line = /^BITRIX24_PORTAL_HOSTS=(.*)$/m.exec(example)?.[1];
    const result = loadConfig({ env: {}, envFile: null });
    if (!result.ok) throw result.error;
    expect(line).toBe(result.value.bitrix24.portalHosts.source);
  });

  it('takes the proxies to believe (KAM_TRUST_PROXY), loopback by default, and never "everyone"', () => {
    const trust = (value?: string) => {
      const result = loadConfig({ env: value === undefined ? {} : { KAM_TRUST_PROXY: value }, envFile: null });
      return result.ok ? result.value.http.trustProxy : result.error.details.keys;
    };
    expect(trust()).toBe('loopback');
    expect(trust('10.0.0.0/8, 172.16.0.0/12,loopback')).toBe('10.0.0.0/8, 172.16.0.0/12,loopback');
    expect(trust('fd00::/8')).toBe('fd00::/8');
    expect(trust('none')).toBe(false);
    expect(trust('1')).toBe(1);
    for (const bad of ['true', '*', 'all', '10.0.0.0/33', '10.0.0.0/8/1', 'lb.internal', '0.0.0.0/0', '::/0', '0.0.0.0/0x']) expect(trust(bad)).toEqual(['KAM_TRUST_PROXY']);
  });

  it('.env.example lists every key of the schema, and nothing else', () => {
    const example = readFileSync(resolve(__dirname, '../../.env.example'), 'utf8');
    const keys = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(new Set(keys)).toEqual(new Set(CONFIG_KEYS));
  });
});
