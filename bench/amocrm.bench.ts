import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import axios from 'axios';
import { runDemo } from '../src/app/demo/run-demo';
import type { RequestCounts } from '../src/core/ports/crm-connector.port';
import { countsSince, requestsSince } from '../src/connectors/shared/request-meter';
import { createLogger } from '../src/logging/logger';
import { amocrmDemoDriver } from '../src/sandbox/demo/amocrm.demo-driver';
import { compact, fmt, load, noter, portfolioFlags, say, sum, type PortfolioFlags } from './bench-kit';

/**
 * `npm run bench -- amocrm [--companies N --contacts N --deals N --seed S] [--changes 0,100,0]`
 *
 * The whole app against the RATE-LIMITED amoCRM sandbox (7 requests a second per integration,
 * sliding one-second window; 429 beyond), started and installed as `kam demo --crm amocrm` does
 * (OAuth redirect with code and referer). Pass 1: full sync + evaluate + write-back; then one
 * incremental pass per `--changes` entry, after that many simulated lead edits (webhooks to the
 * app). App-side counts (the request meter) are cross-checked with the sandbox's /_sandbox/stats.
 * Floor: R requests at 7 a second.
 */
const RATE = 7;
const floorSeconds = (requests: number): number => requests / RATE;

type Flags = PortfolioFlags;

const parseFlags = portfolioFlags;

interface SandboxStats {
  requests: number;
  byEndpoint?: Record<string, number>;
  rejections: Record<string, number>;
}

interface PassRow {
  pass: number;
  mode: 'full' | 'incremental';
  changes: number;
  app: RequestCounts;
  sandboxRequests: number;
  sandboxRejections: Record<string, number>;
  synced: { company: number; contact: number; deal: number };
  writes: { fields: number; comments: number; todos: number; closed: number };
  seconds: number;
}

const note = noter('amocrm');

async function runPasses(flags: Flags): Promise<PassRow[]> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'kam-bench-amo-'));
  const logger = createLogger({ level: 'error', format: 'json' });
  let lastShare = -1;
  const started = Date.now();
  note(`${fmt(flags.companies)} companies, ${fmt(flags.contacts)} contacts, ${fmt(flags.deals)} leads, seed ${flags.seed}; load ${load()}`);
  const demo = await runDemo({
    driver: amocrmDemoDriver, companies: flags.companies, contacts: flags.contacts, deals: flags.deals, seed: flags.seed,
    passes: 1, changes: 0, dataDir, logger,
    onProgress: (share, text) => {
      const tenth = Math.floor(share * 10);
      if (tenth !== lastShare) {
        lastShare = tenth;
        note(`pass 1 sync ${Math.round(share * 100)}% (${text}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  // A fresh connection per look: a kept-alive one may be closed by the server just as we reuse it.
  const stats = async (): Promise<SandboxStats> => (await axios.get(`${demo.crm.url}/_sandbox/stats`, { httpAgent: new http.Agent({ keepAlive: false }) })).data as SandboxStats;
  const rows: PassRow[] = [];
  try {
    const { app } = demo.runtime;
    const id = demo.installationId;
    const asOf = String((demo.sandbox as { anchorDate: string }).anchorDate);
    // Webhooks caused by pass 1's writes may still be in flight.
    await demo.sandboxHandle.webhooksIdle();
    await demo.runtime.queue.idle();
    let counts = (await app.requestCounts(id)) as RequestCounts;
    let portal = await stats();
    const first = demo.passes[0];
    if (!first) throw new Error('runDemo returned no pass');
    rows.push({
      pass: 1, mode: 'full', changes: 0, app: counts, sandboxRequests: portal.requests, sandboxRejections: portal.rejections,
      synced: { company: first.sync.companies, contact: first.sync.contacts, deal: first.sync.deals }, writes: first.writes, seconds: first.seconds,
    });
    note(`pass 1 done in ${first.seconds.toFixed(1)} s: app ${counts.requests} requests, sandbox ${portal.requests}; load ${load()}`);
    for (const [index, changes] of flags.changes.entries()) {
      const pass = index + 2;
      const t0 = Date.now();
      await demo.crm.mutate(changes, flags.seed + pass);
      await demo.runtime.queue.idle();
      const report = await app.runCycle(id, 'incremental', { asOf });
      await demo.sandboxHandle.webhooksIdle();
      await demo.runtime.queue.idle();
      const seconds = (Date.now() - t0) / 1000;
      const now = (await app.requestCounts(id)) as RequestCounts;
      const nowPortal = await stats();
      rows.push({
        pass, mode: 'incremental', changes, app: requestsSince(now, counts), sandboxRequests: nowPortal.requests - portal.requests,
        sandboxRejections: countsSince(nowPortal.rejections, portal.rejections),
        synced: { company: report.sync.company, contact: report.sync.contact, deal: report.sync.deal }, writes: report.writes, seconds,
      });
      note(`pass ${pass} (${changes} changed leads) done in ${seconds.toFixed(1)} s: app ${now.requests - counts.requests} requests; load ${load()}`);
      counts = now;
      portal = nowPortal;
    }
    return rows;
  } finally {
    await demo.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(flags: Flags, rows: PassRow[], loads: string[]): void {
  const entities = flags.companies + flags.contacts + flags.deals;
  say('');
  say(`Command: npm run bench -- amocrm --companies ${flags.companies} --contacts ${flags.contacts} --deals ${flags.deals} --seed ${flags.seed} --changes ${flags.changes.join(',')}`);
  say(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; Node ${process.version}; ${os.cpus().length} cores; load average (1/5/15 min) ${loads.join(' -> ')}`);
  say(`Sandbox: rate limit on (${RATE} requests per sliding second); floor = R / ${RATE} s for R requests.`);
  say('');
  say('| pass | changed leads | app requests (setup / sync / write-back / other) | sandbox saw (429) | synced co / ct / leads | writes fields / notes / tasks / closed | seconds | floor s |');
  say('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const p = row.app.byPhase;
    say(`| ${row.pass} ${row.mode} | ${row.changes} | ${fmt(row.app.requests)} (${p.setup} / ${p.sync} / ${p.writeBack} / ${p.other}) | ${fmt(row.sandboxRequests)} (${sum(row.sandboxRejections)}) | ${fmt(row.synced.company)} / ${fmt(row.synced.contact)} / ${fmt(row.synced.deal)} | ${fmt(row.writes.fields)} / ${fmt(row.writes.comments)} / ${fmt(row.writes.todos)} / ${fmt(row.writes.closed)} | ${row.seconds.toFixed(1)} | ${floorSeconds(row.app.requests).toFixed(1)} |`);
  }
  say('');
  for (const row of rows) say(`- pass ${row.pass}: app ${compact(row.app.byMethod)}; app rejections ${compact(row.app.rejections)}`);
  say('');
  say('| goal | limit | measured | |');
  say('|---|---|---|---|');
  const check = (name: string, limit: number, measured: number, digits = 0): void =>
    say(`| ${name} | <= ${digits ? limit.toFixed(digits) : fmt(limit)} | ${digits ? measured.toFixed(digits) : fmt(measured)} | ${measured <= limit ? 'PASS' : 'FAIL'} |`);
  const first = rows[0] as PassRow;
  check(`full sync requests (${fmt(entities)} entities)`, Math.ceil(entities / 250) + 10, first.app.byPhase.sync);
  for (const row of rows) {
    const writes = row.writes.fields + row.writes.comments + row.writes.todos + row.writes.closed;
    if (writes > 0 || row.app.byPhase.writeBack > 0) check(`pass ${row.pass} write-back requests (${fmt(writes)} writes)`, Math.ceil(writes / 50) + 5, row.app.byPhase.writeBack);
  }
  for (const row of rows.slice(1)) if (row.changes === 0) check(`pass ${row.pass}, no changes: all requests`, 5, row.app.requests);
  check('pass 1 seconds / floor at 7 requests a second', 1.1, first.seconds / floorSeconds(first.app.requests), 2);
  const mismatched = rows.filter((row) => row.app.requests !== row.sandboxRequests);
  say('');
  say(mismatched.length === 0 ? 'App-side counts equal the sandbox\'s in every pass.'
    : `App-side counts differ from the sandbox's in pass(es) ${mismatched.map((row) => `${row.pass} (app ${row.app.requests}, sandbox ${row.sandboxRequests})`).join(', ')} (the install's code exchange and account call are made before a session, so they are not metered).`);
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const loads = [load()];
  const rows = await runPasses(flags);
  loads.push(load());
  report(flags, rows, loads);
}
