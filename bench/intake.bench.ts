import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import qs from 'qs';
import type { Storage } from '../src/core/ports/storage.port';
import { createStorage } from '../src/storage/create-storage';
import { eventLoopSince, flagReader, fmt, load, noter, say, type EventLoopFigures } from './bench-kit';
import type { LoadResult, LoadTarget } from './scale/event-load';
import { runEventLoad } from './scale/run-event-load';
import { cpuSecondsOf } from './scale/proc-sampler';
import { percentiles, type Percentiles } from './scale/scale-kit';
import { scratchDatabase } from './scale/scale-db';
import { startServe } from './serve-process';

/**
 * `npm run bench -- intake [--installations 20] [--rates 200,1000,2000] [--seconds 3] [--generators 1] [--quiet-seconds 3] [--json]`
 *
 * Issues 9 and 12: what one event costs the process that answers it. `kam serve` in its own
 * process with no cycles (KAM_AUTO_SYNC=false; the reconcile schedule never fires), its database
 * seeded with `--installations` Bitrix24 portals and as many amoCRM accounts (active, tokens and
 * application token / webhook secret sealed as an install stores them). Signed events, half
 * Bitrix24 (ONCRMDEALUPDATE / ONCRMCOMPANYUPDATE by member_id + application_token, some by the
 * app's own user so the echo check runs) and half amoCRM webhooks (secret in the URL, account[id]),
 * go at each rate for `--seconds` from the scale bench's open-loop load generator (its own process).
 * Measured per rate: CPU ms per event of the served process (/proc/<pid>/stat), ack p50/p99/max,
 * non-2xx answers, and after all rates that every acknowledged event left its dirty mark.
 * SQLite (`--role all`), and PostgreSQL with `--role web` when TEST_DATABASE_URL is set.
 */
interface Flags {
  installations: number;
  /** Load generator processes sharing the schedule (bench/scale/run-event-load.ts). */
  generators: number;
  /** Silence after the warm-up, before the rates (its CPU use is the idle figure): a burst after a quiet spell. */
  quietSeconds: number;
  rates: number[];
  seconds: number;
  json: boolean;
}

function parseFlags(args: string[]): Flags {
  const { int, value } = flagReader(args);
  const rates = (value('rates') ?? '200,1000,2000').split(',').map(Number);
  if (rates.some((rate) => !Number.isInteger(rate) || rate < 1)) throw new Error('--rates wants a list like 200,1000,2000');
  return { installations: Math.max(1, int('installations', 20)), generators: Math.max(1, int('generators', 1)), quietSeconds: Math.max(1, int('quiet-seconds', 3)), rates, seconds: Math.max(1, int('seconds', 3)), json: args.includes('--json') };
}

const note = noter('intake');
/** Events sent first at a low rate, so the figures are those of a warm process (JIT, pools). */
const WARM_UP = { rate: 500, seconds: 4 };
/** The app's own user on every portal: a company event by it runs the echo check. */
const APP_USER = '1';

interface Target extends LoadTarget {
  key: string;
}

async function seed(storage: Storage, count: number, webUrl: string): Promise<Target[]> {
  const targets: Target[] = [];
  const tokens = { accessToken: 'bench-access', refreshToken: 'bench-refresh', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
  for (let i = 0; i < count; i += 1) {
    const memberId = `bench${String(i).padStart(4, '0')}${randomBytes(8).toString('hex')}`;
    const applicationToken = randomBytes(16).toString('hex');
    const b24 = await storage.installations.upsert({
      crm: 'bitrix24', externalId: memberId, domain: `bench${i}.bitrix24.ru`, clientEndpoint: `https://bench${i}.bitrix24.ru/rest/`, serverEndpoint: 'https://oauth.bitrix.info/rest/',
      applicationToken, tokens, status: 'active', settings: { bitrix24: { appUserId: APP_USER } },
    });
    const secret = randomBytes(24).toString('base64url');
    const accountId = String(30_000_000 + i);
    const amo = await storage.installations.upsert({
      crm: 'amocrm', externalId: accountId, domain: `bench${i}.amocrm.ru`, clientEndpoint: `https://bench${i}.amocrm.ru`,
      applicationToken: secret, tokens, status: 'active', settings: { amocrm: { appUserId: APP_USER } },
    });
    for (let id = 1; id <= 50; id += 1) {
      const kind = id % 2 === 0 ? 'deal' : 'company';
      const user = String(1 + (id % 5));
      targets.push({
        key: `${b24.id}|${kind}|${id}`, url: `${webUrl}/bitrix24/events`, contentType: 'application/x-www-form-urlencoded',
        body: qs.stringify({
          event: kind === 'deal' ? 'ONCRMDEALUPDATE' : 'ONCRMCOMPANYUPDATE', event_handler_id: '7', data: { FIELDS: { ID: String(id) } }, ts: String(Math.floor(Date.now() / 1000)),
          auth: { domain: b24.domain, client_endpoint: b24.clientEndpoint, server_endpoint: b24.serverEndpoint, member_id: memberId, application_token: applicationToken, user_id: user },
        }),
      });
      const item = kind === 'deal' ? { leads: { update: [{ id: String(id), modified_user_id: user }] } } : { contacts: { update: [{ id: String(id), type: 'company', modified_user_id: user }] } };
      targets.push({
        key: `${amo.id}|${kind}|${id}`, url: `${webUrl}/amocrm/webhooks/${amo.id}/${secret}`, contentType: 'application/x-www-form-urlencoded',
        body: qs.stringify({ ...item, account: { id: accountId, subdomain: `bench${i}` } }, { arrayFormat: 'indices' }),
      });
    }
  }
  return targets;
}

interface RateFigures {
  rate: number;
  events: number;
  cpuMsPerEvent: number;
  ack: Percentiles;
  /** How late the generator sent against its schedule: its own lag, not the app's. */
  lateMs: Percentiles;
  /** The served process's event-loop delay while the rate ran: time the process itself could not answer. */
  eventLoop: EventLoopFigures;
  non2xx: number;
}

const fire = (targets: Target[], rate: number, seconds: number, seed: number, dir: string, generators: number): Promise<LoadResult> =>
  runEventLoad({ targets: targets.map(({ url, body, contentType }) => ({ url, body, contentType })), rate, seconds, seed, dir, generators, label: `${rate}-${seed}` });

interface EngineFigures {
  engine: 'sqlite' | 'postgres';
  role: string;
  /** CPU ms per second of the process with no request coming in. */
  idleMsPerSecond: number;
  rates: RateFigures[];
  acknowledged: number;
  /** Acknowledged events whose entity had no dirty mark afterwards (must be 0). */
  lost: number;
}

async function measureEngine(engine: 'sqlite' | 'postgres', flags: Flags, adminUrl: string | undefined): Promise<EngineFigures> {
  const dir = mkdtempSync(join(os.tmpdir(), 'kam-bench-intake-'));
  const database = engine === 'postgres' && adminUrl ? scratchDatabase(adminUrl, 'kam_intake') : null;
  await database?.create();
  const key = randomBytes(32).toString('base64');
  const connection = database ? { databaseUrl: database.url } : { databaseUrl: null, sqliteFile: join(dir, 'kam.sqlite') };
  const role = engine === 'postgres' ? 'web' : 'all';
  let serve: Awaited<ReturnType<typeof startServe>> | null = null;
  try {
    serve = await startServe({
      args: ['--role', role],
      env: {
        KAM_DATA_DIR: dir, KAM_HOST: '127.0.0.1', DATABASE_URL: database?.url ?? '', KAM_ENCRYPTION_KEY: key, KAM_AUTO_SYNC: 'false', KAM_RECONCILE_CRON: '0 0 1 1 *',
        BITRIX24_CLIENT_ID: 'local.bench', BITRIX24_CLIENT_SECRET: 'bench-secret', AMOCRM_CLIENT_ID: 'bench-client', AMOCRM_CLIENT_SECRET: 'bench-secret', AMOCRM_REDIRECT_URI: 'http://127.0.0.1/amocrm/oauth',
      },
    });
    const storage = await createStorage({ ...connection, encryptionKey: Buffer.from(key, 'base64'), migrate: false });
    const targets = await seed(storage, flags.installations, serve.url);
    note(`${engine} (--role ${role}): ${fmt(flags.installations)} portals per CRM, ${fmt(targets.length)} event targets; warming up; load ${load()}`);
    const acked = new Set<string>();
    const collect = (result: LoadResult) => {
      for (const [index, , , , status] of result.events) if (status >= 200 && status < 300) acked.add((targets[index] as Target).key);
    };
    collect(await fire(targets, WARM_UP.rate, WARM_UP.seconds, 1, dir, flags.generators));
    // What the process spends with no request at all (timers, pollers), to read the per-event figures against.
    const idle0 = cpuSecondsOf(serve.pid);
    await new Promise((resolve) => setTimeout(resolve, flags.quietSeconds * 1000));
    const idle1 = cpuSecondsOf(serve.pid);
    const idleMsPerSecond = idle0 === null || idle1 === null ? Number.NaN : ((idle1 - idle0) * 1000 * 1000) / (flags.quietSeconds * 1000);
    const rates: RateFigures[] = [];
    for (const rate of flags.rates) {
      const cpu0 = cpuSecondsOf(serve.pid);
      const since = Date.now();
      const result = await fire(targets, rate, flags.seconds, rate, dir, flags.generators);
      const cpu1 = cpuSecondsOf(serve.pid);
      const eventLoop = await eventLoopSince(serve.url, since);
      collect(result);
      const ok = result.events.filter(([, , , , status]) => status >= 200 && status < 300);
      rates.push({
        rate, events: result.events.length, ack: percentiles(ok.map((event) => event[3])), non2xx: result.events.length - ok.length,
        lateMs: percentiles(result.events.map((event) => event[2] - event[1])), eventLoop,
        cpuMsPerEvent: cpu0 === null || cpu1 === null ? Number.NaN : ((cpu1 - cpu0) * 1000) / result.events.length,
      });
      note(`${engine} ${rate}/s: ${JSON.stringify(rates[rates.length - 1])}; load ${load()}`);
    }
    const marked = new Set<string>();
    for (const installation of await storage.installations.list()) {
      for (const mark of await storage.syncState.peekDirty(installation.id, 1_000_000)) marked.add(`${installation.id}|${mark.kind}|${mark.crmId}`);
    }
    await storage.close();
    return { engine, role, idleMsPerSecond, rates, acknowledged: acked.size, lost: [...acked].filter((entry) => !marked.has(entry)).length };
  } finally {
    await serve?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const adminUrl = process.env.TEST_DATABASE_URL;
  const loads = [load()];
  const results = [await measureEngine('sqlite', flags, undefined)];
  if (adminUrl) results.push(await measureEngine('postgres', flags, adminUrl));
  else note('PostgreSQL skipped: set TEST_DATABASE_URL (e.g. postgres://kam@127.0.0.1:54329/kam_test) to measure it too');
  loads.push(load());
  if (flags.json) {
    say(JSON.stringify({ flags, loads, results }, null, 2));
    return;
  }
  const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 0) : '-');
  say('');
  say(`Command: npm run bench -- intake --installations ${flags.installations} --generators ${flags.generators} --quiet-seconds ${flags.quietSeconds} --rates ${flags.rates.join(',')} --seconds ${flags.seconds}`);
  say(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${os.cpus().length} cores; load average ${loads.join(' -> ')}`);
  say('');
  say('| storage (role) | rate /s | events | CPU ms per event | ack p50 ms | p99 ms | max ms | event-loop delay p99 / max ms | generator late p99 ms | non-2xx |');
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const result of results) {
    for (const figures of result.rates) {
      say(`| ${result.engine} (${result.role}) | ${fmt(figures.rate)} | ${fmt(figures.events)} | ${ms(figures.cpuMsPerEvent)} | ${ms(figures.ack.p50)} | ${ms(figures.ack.p99)} | ${ms(figures.ack.max)} | ${ms(figures.eventLoop.p99)} / ${ms(figures.eventLoop.max)} | ${ms(figures.lateMs.p99)} | ${figures.non2xx} |`);
    }
  }
  say('');
  for (const result of results) {
    say(`${result.engine}: idle, the process used ${ms(result.idleMsPerSecond)} ms of CPU a second; ${fmt(result.acknowledged)} distinct entities acknowledged, ${result.lost} without a dirty mark afterwards.`);
  }
}
