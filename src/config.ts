import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { KamError, fail, ok, type Result } from './core/errors';

/**
 * The app's settings, parsed once at start-up from the environment (plus an optional .env
 * file; the real environment wins). Every key has a default that makes the embedded mode
 * (one process, SQLite under ./data) work with no configuration at all. Nothing else in the
 * app reads process.env (an ESLint rule enforces it).
 */
const intInRange = (min: number, max: number) =>
  z.coerce.number({ error: `must be a whole number from ${min} to ${max}` }).int(`must be a whole number from ${min} to ${max}`).min(min).max(max);
const positive = () => z.coerce.number({ error: 'must be a positive number' }).positive('must be a positive number');
const optionalText = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value ? value : null));

/**
 * The Bitrix24 cloud zones, listed one by one (a loose `bitrix24.<2-3 letters>` pattern also
 * admitted hosts Bitrix24 does not run): https://helpdesk.bitrix24.de/open/10252860 lists
 * de, eu, es, com.br, fr, it, com.tr, ru, ua, pl, kz, com, by, in, cn, id, vn, jp; bitrix24.uk
 * is the UK zone. A portal name is one DNS label. A portal on its own domain (a paid-plan
 * option) is admitted by setting BITRIX24_PORTAL_HOSTS.
 */
export const BITRIX24_CLOUD_ZONES = ['ru', 'com', 'de', 'eu', 'es', 'com.br', 'fr', 'it', 'com.tr', 'ua', 'pl', 'kz', 'by', 'in', 'cn', 'id', 'vn', 'jp', 'uk'] as const;
const DEFAULT_PORTAL_HOSTS = `^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.bitrix24\\.(?:${BITRIX24_CLOUD_ZONES.map((zone) => zone.replace('.', '\\.')).join('|')})$`;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  KAM_HOST: z.string().min(1).default('127.0.0.1'),
  KAM_PORT: intInRange(0, 65535).default(3000),
  KAM_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Whose X-Forwarded-For is believed: the source address every per-source limit keys on.
  KAM_TRUST_PROXY: z
    .string()
    .trim()
    .refine(isTrustProxy, 'must be none, a number of proxy hops, or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses and CIDR ranges')
    .default('loopback'),
  KAM_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  KAM_ENCRYPTION_KEY: optionalText(),
  // How long event verification may use an installation read from the store (storage/repositories/verified-installations.ts).
  KAM_VERIFIED_CACHE_SECONDS: intInRange(0, 300).default(10),
  KAM_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  KAM_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  KAM_DEFAULT_LANG: z.enum(['ru', 'en']).default('ru'),
  KAM_RECONCILE_CRON: z
    .string()
    .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron expression with 5 or 6 fields')
    .default('*/15 * * * *'),
  KAM_JOB_CONCURRENCY: intInRange(1, 64).default(4),
  KAM_AUTO_SYNC: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  KAM_WORKER_STALE_SECONDS: intInRange(3, 3600).default(30),
  BITRIX24_CLIENT_ID: optionalText(),
  BITRIX24_CLIENT_SECRET: optionalText(),
  BITRIX24_OAUTH_URL: z.url({ protocol: /^https?$/ }).default('https://oauth.bitrix.info/'),
  BITRIX24_PORTAL_HOSTS: z
    .string()
    .refine(isRegExp, 'must be a valid regular expression')
    .default(DEFAULT_PORTAL_HOSTS),
  BITRIX24_RATE_PER_SECOND: positive().default(2),
  BITRIX24_BURST: intInRange(1, 1000).default(50),
  AMOCRM_CLIENT_ID: optionalText(),
  AMOCRM_CLIENT_SECRET: optionalText(),
  AMOCRM_REDIRECT_URI: z.url().optional(),
  AMOCRM_RATE_PER_SECOND: positive().max(50).default(6),
  // Hosts an amoCRM/Kommo install may come from (the OAuth `referer`); never an arbitrary host.
  AMOCRM_ACCOUNT_HOSTS: z
    .string()
    .refine(isRegExp, 'must be a valid regular expression')
    .default('^[a-z0-9][a-z0-9-]*\\.(amocrm\\.ru|amocrm\\.com|kommo\\.com)$'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  /** trustProxy: Express's `trust proxy` (false: none; a hop count; a list of addresses and ranges). */
  http: { host: string; port: number; publicUrl: string; trustProxy: TrustProxy };
  /**
   * verifiedCacheMs: a change to an installation made by ANOTHER process (a rotated application
   * token or webhook secret, an uninstall) may go unseen by event verification this long while
   * the process does not hear such changes (on PostgreSQL it hears them as they commit).
   */
  storage: { dataDir: string; sqliteFile: string; keyFile: string; databaseUrl: string | null; encryptionKey: string | null; verifiedCacheMs: number };
  log: { level: 'error' | 'warn' | 'info' | 'debug'; format: 'auto' | 'json' | 'pretty' };
  defaultLang: 'ru' | 'en';
  /**
   * autoSync false: events only mark entities dirty and an install only sets up; cycles run on
   * the reconcile schedule or when sent (the demo). workerStaleSeconds: a worker silent this long
   * is taken for dead and its jobs are retried by others (PostgreSQL).
   */
  jobs: { reconcileCron: string; concurrency: number; autoSync: boolean; workerStaleSeconds: number };
  bitrix24: { clientId: string | null; clientSecret: string | null; oauthUrl: string; portalHosts: RegExp; ratePerSecond: number; burst: number };
  amocrm: { clientId: string | null; clientSecret: string | null; redirectUri: string; ratePerSecond: number; accountHosts: RegExp };
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the optional .env file; null to skip it. */
  envFile?: string | null;
  /** Values that win over everything (CLI flags such as --port). */
  overrides?: Record<string, string | undefined>;
}

export function loadConfig(options: LoadConfigOptions = {}): Result<Config> {
  const fileValues = readEnvFile(options.envFile === undefined ? '.env' : options.envFile);
  if (!fileValues.ok) return fileValues;
  const raw: Record<string, string | undefined> = { ...fileValues.value, ...(options.env ?? process.env) };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) raw[key] = value;
  }
  // Empty strings mean "not set" (a blank line in .env must not fail a default).
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    return fail(
      new KamError('CONFIG_INVALID', `Invalid configuration (${lines.length} problem${lines.length > 1 ? 's' : ''}):\n${lines.join('\n')}`, {
        details: { keys: parsed.error.issues.map((issue) => issue.path.join('.')) },
      }),
    );
  }
  const env = parsed.data;
  const dataDir = resolve(env.KAM_DATA_DIR);
  const publicUrl = (env.KAM_PUBLIC_URL ?? `http://${env.KAM_HOST}:${env.KAM_PORT}`).replace(/\/+$/, '');
  return ok({
    env: env.NODE_ENV,
    http: {
      host: env.KAM_HOST,
      port: env.KAM_PORT,
      publicUrl,
      trustProxy: trustProxyOf(env.KAM_TRUST_PROXY),
    },
    storage: {
      dataDir,
      sqliteFile: resolve(dataDir, 'kam.sqlite'),
      keyFile: resolve(dataDir, 'secret.key'),
      databaseUrl: env.DATABASE_URL ?? null,
      encryptionKey: env.KAM_ENCRYPTION_KEY,
      verifiedCacheMs: env.KAM_VERIFIED_CACHE_SECONDS * 1000,
    },
    log: { level: env.KAM_LOG_LEVEL, format: env.KAM_LOG_FORMAT },
    defaultLang: env.KAM_DEFAULT_LANG,
    jobs: {
      reconcileCron: env.KAM_RECONCILE_CRON,
      concurrency: env.KAM_JOB_CONCURRENCY,
      autoSync: env.KAM_AUTO_SYNC === 'true',
      workerStaleSeconds: env.KAM_WORKER_STALE_SECONDS,
    },
    bitrix24: {
      clientId: env.BITRIX24_CLIENT_ID,
      clientSecret: env.BITRIX24_CLIENT_SECRET,
      oauthUrl: env.BITRIX24_OAUTH_URL,
      portalHosts: new RegExp(env.BITRIX24_PORTAL_HOSTS, 'i'),
      ratePerSecond: env.BITRIX24_RATE_PER_SECOND,
      burst: env.BITRIX24_BURST,
    },
    amocrm: {
      clientId: env.AMOCRM_CLIENT_ID,
      clientSecret: env.AMOCRM_CLIENT_SECRET,
      // Our route for it unless configured otherwise; it must equal the integration's Redirect URI.
      redirectUri: env.AMOCRM_REDIRECT_URI ?? `${publicUrl}/amocrm/oauth`,
      ratePerSecond: env.AMOCRM_RATE_PER_SECOND,
      accountHosts: new RegExp(env.AMOCRM_ACCOUNT_HOSTS, 'i'),
    },
  });
}

/**
 * Which proxies' X-Forwarded-For to believe (https://expressjs.com/en/guide/behind-proxies.html).
 * Never "all": anyone could then name any source address and walk around the per-source limits.
 */
export type TrustProxy = false | number | string;
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isTrustProxy(value: string): boolean {
  if (value === 'none' || /^\d{1,2}$/.test(value)) return true;
  return value.split(',').every((item) => {
    const [address, bits, ...rest] = item.trim().split('/');
    if (rest.length || !address) return false;
    if (PROXY_NAMES.has(address) && bits === undefined) return true;
    const family = isIP(address);
    // A /0 range is everyone again.
    return family !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (family === 4 ? 32 : 128)));
  });
}

function trustProxyOf(value: string): TrustProxy {
  if (value === 'none') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function readEnvFile(path: string | null): Result<Record<string, string>> {
  if (path === null || !existsSync(path)) return ok({});
  try {
    const values = parseEnv(readFileSync(path, 'utf8'));
    return ok(Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined)));
  } catch (error) {
    return fail(new KamError('CONFIG_INVALID', `Cannot read ${path}: ${(error as Error).message}`));
  }
}

/** The keys the schema knows, for docs and the .env.example check. */
export const CONFIG_KEYS: readonly string[] = Object.keys(EnvSchema.shape);
