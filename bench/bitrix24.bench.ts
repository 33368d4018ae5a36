import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import type * as B24Sdk from '@bitrix24/b24jssdk';
import { runDemo, type DemoRun } from '../src/app/demo/run-demo';
import { bitrix24DemoDriver } from '../src/sandbox/demo/bitrix24.demo-driver';
import { DEAL_SELECT } from '../src/connectors/bitrix24/bitrix24-mapper';
import { countsSince, requestsSince, type RequestCounts } from '../src/connectors/shared/request-meter';
import { createLogger } from '../src/logging/logger';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../src/sandbox/bitrix24';
import { compact, flagReader, fmt, load, noter, portfolioFlags, say, sum, type PortfolioFlags } from './bench-kit';

/**
 * `npm run bench -- bitrix24 [--companies N --contacts N --deals N --seed S] [--changes 0,100,0] [--sdk-deals N]
 *  [--skip-ours] [--skip-sdk]`
 *
 * 1. Our path, against the RATE-LIMITED Bitrix24 sandbox (50 burst, 2 requests/s drain): the app
 *    started and installed exactly as `kam demo` does (runDemo: installer frame + ONAPPINSTALL over
 *    HTTP), one full pass, then one incremental pass per `--changes` entry, each after that many
 *    simulated deal edits (sandbox /_sandbox/mutate, which fires ONCRMDEALUPDATE at the app).
 *    Per pass: app-side request counts by phase, the portal's own count (/_sandbox/stats), entities
 *    synced, writes, seconds, and the floor the rate limit sets.
 * 2. The SDK's own list helper (@bitrix24/b24jssdk B24OAuth, actions.v2.callList) on a separate,
 *    smaller rate-limited sandbox (`--sdk-deals`, default 5,000 deals), with its default limiter.
 */
interface Flags extends PortfolioFlags {
  sdkDeals: number;
  skipOurs: boolean;
  skipSdk: boolean;
}

const BURST = 50;
const DRAIN = 2;
/** The floor the portal's bucket sets for R requests from an empty bucket: the first 50 at once, then 2 a second. */
const floorSeconds = (requests: number): number => Math.max(0, requests - BURST) / DRAIN;

function parseFlags(args: string[]): Flags {
  const { int } = flagReader(args);
  const base = portfolioFlags(args);
  return {
    ...base,
    sdkDeals: int('sdk-deals', 5_000),
    skipOurs: args.includes('--skip-ours'),
    skipSdk: args.includes('--skip-sdk'),
  };
}

interface SandboxStats {
  requests: number;
  byMethod: Record<string, number>;
  rejections: Record<string, number>;
  /** Commands inside batches the portal refused, by code (e.g. OPERATION_TIME_LIMIT); the HTTP request itself succeeded. */
  commandRejections: Record<string, number>;
}

const diffStats = (after: SandboxStats, before: SandboxStats): SandboxStats => ({
  requests: after.requests - before.requests,
  byMethod: countsSince(after.byMethod, before.byMethod),
  rejections: countsSince(after.rejections, before.rejections),
  commandRejections: countsSince(after.commandRejections, before.commandRejections),
});

const note = noter('bitrix24');

interface PassRow {
  pass: number;
  mode: 'full' | 'incremental';
  changes: number;
  app: RequestCounts;
  portal: SandboxStats;
  synced: { company: number; contact: number; deal: number };
  writes: { fields: number; comments: number; todos: number; closed: number; recovered: number; failed: number };
  seconds: number;
}

async function sandboxStats(demo: DemoRun<RunningBitrix24Sandbox>): Promise<SandboxStats> {
  const answer = await axios.get(`${demo.sandboxHandle.url}/_sandbox/stats`);
  const body = answer.data as SandboxStats;
  // /_sandbox/stats lists batch sub-commands by method only; their refusals are read in-process.
  const commandRejections = demo.sandboxHandle.runtime.commandStats.snapshot().rejections;
  return { requests: body.requests, byMethod: body.byMethod, rejections: body.rejections, commandRejections };
}

async function runOurs(flags: Flags): Promise<PassRow[]> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kam-bench-b24-'));
  const logger = createLogger({ level: 'error', format: 'json' });
  let lastShare = -1;
  const started = Date.now();
  note(`ours: ${fmt(flags.companies)} companies, ${fmt(flags.contacts)} contacts, ${fmt(flags.deals)} deals, seed ${flags.seed}; load ${load()}`);
  const demo = await runDemo({ driver: bitrix24DemoDriver,
    companies: flags.companies,
    contacts: flags.contacts,
    deals: flags.deals,
    seed: flags.seed,
    passes: 1,
    changes: 0,
    dataDir,
    logger,
    onProgress: (share, text) => {
      const tenth = Math.floor(share * 10);
      if (tenth !== lastShare) {
        lastShare = tenth;
        note(`pass 1 sync ${Math.round(share * 100)}% (${text}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  const rows: PassRow[] = [];
  try {
    const bitrix24 = demo.runtime.app;
    if (!bitrix24) throw new Error('Bitrix24 service did not start');
    const id = demo.installationId;
    const asOf = String((demo.sandbox as { anchorDate: string }).anchorDate);
    // runDemo returns right after pass 1; write-back echoes (ONCRMCOMPANYUPDATE) may still be in flight.
    await demo.sandboxHandle.eventsIdle();
    await demo.runtime.queue.idle();
    let appCounts = (await bitrix24.requestCounts(id)) as RequestCounts;
    let portal = await sandboxStats(demo);
    const first = demo.passes[0];
    if (!first) throw new Error('runDemo returned no pass');
    rows.push({
      pass: 1, mode: 'full', changes: 0, app: appCounts, portal,
      synced: { company: first.sync.companies, contact: first.sync.contacts, deal: first.sync.deals },
      writes: { ...first.writes, recovered: 0, failed: 0 },
      seconds: first.seconds,
    });
    note(`pass 1 done in ${first.seconds.toFixed(1)} s: app ${appCounts.requests} requests, portal ${portal.requests}; load ${load()}`);
    for (const [index, changes] of flags.changes.entries()) {
      const pass = index + 2;
      const t0 = Date.now();
      if (changes > 0) {
        await axios.post(`${demo.sandboxHandle.url}/_sandbox/mutate`, { count: changes, entity: 'deal', seed: flags.seed + pass });
      }
      await demo.sandboxHandle.eventsIdle();
      await demo.runtime.queue.idle();
      const report = await bitrix24.runCycle(id, 'incremental', { asOf });
      await demo.sandboxHandle.eventsIdle();
      await demo.runtime.queue.idle();
      const seconds = (Date.now() - t0) / 1000;
      const nowCounts = (await bitrix24.requestCounts(id)) as RequestCounts;
      const nowPortal = await sandboxStats(demo);
      rows.push({
        pass, mode: 'incremental', changes, app: requestsSince(nowCounts, appCounts), portal: diffStats(nowPortal, portal),
        synced: { company: report.sync.company, contact: report.sync.contact, deal: report.sync.deal },
        writes: report.writes,
        seconds,
      });
      note(`pass ${pass} (${changes} changed deals) done in ${seconds.toFixed(1)} s: app ${nowCounts.requests - appCounts.requests} requests; load ${load()}`);
      appCounts = nowCounts;
      portal = nowPortal;
    }
    return rows;
  } finally {
    await demo.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The sandbox ready-line fields the SDK client is built from (as an app would from stored tokens). */
interface SdkReadyLine {
  applicationToken: string;
  memberId: string;
  accessToken: string;
  refreshToken: string;
  expires: number;
  expiresIn: number;
  scope: string;
  domain: string;
  clientEndpoint: string;
  serverEndpoint: string;
  clientId: string;
  clientSecret: string;
}

interface SdkRow {
  deals: number;
  rows: number;
  ok: boolean;
  portal: SandboxStats;
  seconds: number;
}

async function runSdk(flags: Flags): Promise<SdkRow> {
  const deals = flags.sdkDeals;
  note(`sdk: callList crm.deal.list over ${fmt(deals)} deals on a rate-limited sandbox; load ${load()}`);
  const sandbox = await startBitrix24Sandbox({
    port: 0, companies: Math.max(1, Math.round(deals / 5)), contacts: Math.max(1, Math.round((deals * 2) / 5)), deals, seed: flags.seed, rateLimit: true,
  });
  try {
    // Loaded here, not at the top: a failure to load it must not stop part 1.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('@bitrix24/b24jssdk') as typeof B24Sdk;
    const ready = sandbox.readyLine as unknown as SdkReadyLine;
    const b24: B24Sdk.B24OAuth = new sdk.B24OAuth(
      {
        applicationToken: ready.applicationToken, userId: 1, memberId: ready.memberId, accessToken: ready.accessToken,
        refreshToken: ready.refreshToken, expires: ready.expires, expiresIn: ready.expiresIn, scope: ready.scope,
        domain: ready.domain, clientEndpoint: ready.clientEndpoint, serverEndpoint: ready.serverEndpoint, status: 'L' as never,
      },
      { clientId: ready.clientId, clientSecret: ready.clientSecret },
      // The SDK's defaults (leaky bucket 50 / 2 per s, like the portal's); nothing widened.
    );
    b24.setLogger(sdk.LoggerFactory.createNullLogger());
    const stats = async (): Promise<SandboxStats> => ({
      ...((await axios.get(`${sandbox.url}/_sandbox/stats`)).data as SandboxStats),
      commandRejections: sandbox.runtime.commandStats.snapshot().rejections,
    });
    const before = await stats();
    const t0 = Date.now();
    const result = await b24.actions.v2.callList.make<{ ID: string }>({ method: 'crm.deal.list', params: { select: DEAL_SELECT } });
    const seconds = (Date.now() - t0) / 1000;
    const after = await stats();
    return { deals, rows: (result.getData() ?? []).length, ok: result.isSuccess, portal: diffStats(after, before), seconds };
  } finally {
    await sandbox.close();
  }
}

function report(flags: Flags, ours: PassRow[] | null, sdk: SdkRow | null, loads: string[]): void {
  const entities = flags.companies + flags.contacts + flags.deals;
  say('');
  say(`Command: npm run bench -- bitrix24 --companies ${flags.companies} --contacts ${flags.contacts} --deals ${flags.deals} --seed ${flags.seed} --changes ${flags.changes.join(',')} --sdk-deals ${flags.sdkDeals}`);
  say(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${os.cpus().length} cores; load average (1/5/15 min) ${loads.join(' -> ')}`);
  say(`Sandbox: rate limit on (burst ${BURST}, drain ${DRAIN}/s); floor = max(0, R - ${BURST}) / ${DRAIN} s for R requests from an empty bucket.`);
  if (ours) {
    say('');
    say('| pass | changed deals | app requests (setup / sync / write-back / other) | portal saw (HTTP refused / batch commands refused) | synced co / ct / deals | writes fields / comments / todos / closed | seconds | floor s (empty / full bucket) |');
    say('|---|---|---|---|---|---|---|---|');
    for (const row of ours) {
      const p = row.app.byPhase;
      const rejected = sum(row.portal.rejections);
      say(`| ${row.pass} ${row.mode} | ${row.changes} | ${fmt(row.app.requests)} (${p.setup} / ${p.sync} / ${p.writeBack} / ${p.other}) | ${fmt(row.portal.requests)} (${rejected} / ${sum(row.portal.commandRejections)}) | ${fmt(row.synced.company)} / ${fmt(row.synced.contact)} / ${fmt(row.synced.deal)} | ${fmt(row.writes.fields)} / ${fmt(row.writes.comments)} / ${fmt(row.writes.todos)} / ${fmt(row.writes.closed)} | ${row.seconds.toFixed(1)} | ${floorSeconds(row.app.requests).toFixed(1)} / ${(row.app.requests / DRAIN).toFixed(1)} |`);
    }
    say('');
    say('Per pass, by method (app side) and what the portal counted:');
    for (const row of ours) {
      say(`- pass ${row.pass}: app ${compact(row.app.byMethod)}; app rejections ${compact(row.app.rejections)}; portal ${compact(row.portal.byMethod)}; portal rejections ${compact(row.portal.rejections)}; portal batch commands refused ${compact(row.portal.commandRejections)}`);
    }
    say('');
    say('| goal | limit | measured | |');
    say('|---|---|---|---|');
    const check = (name: string, limit: number, measured: number): void => say(`| ${name} | <= ${fmt(limit)} | ${fmt(measured)} | ${measured <= limit ? 'PASS' : 'FAIL'} |`);
    const first = ours[0] as PassRow;
    check(`full sync requests (${fmt(entities)} entities)`, Math.ceil(entities / 2000) + 20, first.app.byPhase.sync);
    for (const row of ours) {
      const writes = row.writes.fields + row.writes.comments + row.writes.todos + row.writes.closed;
      if (writes > 0 || row.app.byPhase.writeBack > 0) check(`pass ${row.pass} write-back requests (${fmt(writes)} writes)`, Math.ceil(writes / 50) + 5, row.app.byPhase.writeBack);
    }
    for (const row of ours.slice(1)) {
      if (row.changes === 0) check(`pass ${row.pass}, no changes: all requests`, 5, row.app.requests);
      else check(`pass ${row.pass}, ${row.changes} changed deals: sync requests`, 10, row.app.byPhase.sync);
    }
    const mismatched = ours.filter((row) => row.app.requests !== row.portal.requests);
    say('');
    say(mismatched.length === 0
      ? 'App-side counts equal the portal\'s in every pass.'
      : `App-side counts differ from the portal's in pass(es) ${mismatched.map((row) => `${row.pass} (app ${row.app.requests}, portal ${row.portal.requests})`).join(', ')}.`);
  }
  if (sdk) {
    const requests = sdk.portal.requests;
    const perFull = Math.ceil(entities / 50);
    say('');
    say('| client | rows listed | requests | portal rejected | seconds | floor s | rows/request | requests for the full ' + fmt(entities) + ' entities | floor s for those |');
    say('|---|---|---|---|---|---|---|---|---|');
    say(`| SDK callList crm.deal.list (${fmt(sdk.deals)} deals) | ${fmt(sdk.rows)}${sdk.ok ? '' : ' (failed)'} | ${fmt(requests)} | ${sum(sdk.portal.rejections)} | ${sdk.seconds.toFixed(1)} | ${floorSeconds(requests).toFixed(1)} | ${(sdk.rows / Math.max(1, requests)).toFixed(0)} | ${fmt(perFull)} | ${fmt(floorSeconds(perFull))} |`);
    if (ours) {
      const first = ours[0] as PassRow;
      const synced = first.synced.company + first.synced.contact + first.synced.deal;
      say(`| ours, full pass sync phase (batch of 50 ID windows) | ${fmt(synced)} | ${fmt(first.app.byPhase.sync)} | - | - | ${floorSeconds(first.app.byPhase.sync).toFixed(1)} | ${(synced / Math.max(1, first.app.byPhase.sync)).toFixed(0)} | ${fmt(first.app.byPhase.sync)} | ${floorSeconds(first.app.byPhase.sync).toFixed(1)} |`);
    }
    say(`SDK portal requests by method: ${compact(sdk.portal.byMethod)}; rejections ${compact(sdk.portal.rejections)}`);
  }
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const loads = [load()];
  let ours: PassRow[] | null = null;
  let sdk: SdkRow | null = null;
  if (!flags.skipOurs) {
    ours = await runOurs(flags);
    loads.push(load());
  }
  if (!flags.skipSdk) {
    try {
      sdk = await runSdk(flags);
    } catch (error) {
      note(`sdk run failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
    loads.push(load());
  }
  report(flags, ours, sdk, loads);
}
