import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import axios from 'axios';
import { loadConfig } from '../../config';
import { KamError } from '../../core/errors';
import { requestsSince, type RequestCounts } from '../../connectors/shared/request-meter';
import type { Logger } from '../../logging/logger';
import { createRuntime, startServer, type Runtime } from '../../main';
import type { ListeningServer } from '../../http/listen';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../sandbox/bitrix24';
import type { CycleReport } from '../bitrix24/bitrix24-cycle';
import { freePort } from '../../http/free-port';

/**
 * `kam demo --crm bitrix24`: the whole product against the rate-limited Bitrix24 sandbox,
 * in one process. The app is installed through the real install path (installer frame and
 * ONAPPINSTALL over HTTP), then each pass syncs, evaluates and writes back; later passes follow
 * simulated user edits, which reach the app as real events.
 */
export interface DemoOptions {
  companies: number;
  contacts: number;
  deals: number;
  seed: number;
  passes: number;
  /** Simulated user edits before each pass after the first. */
  changes: number;
  port?: number;
  /** Sandbox fault injection, e.g. "500=0.02,expire=0.05,seed=3" (src/sandbox/shared/faults.ts). */
  faults?: string;
  /** Sandbox access-token lifetime in seconds. */
  tokenTtlSeconds?: number;
  /** Installation settings to apply right after the install (e.g. { contactsAsAccounts: true }). */
  settings?: Record<string, unknown>;
  dataDir: string;
  logger: Logger;
  onPassStart?: (pass: number, mode: 'full' | 'incremental') => void;
  /** Called about twice a second during a pass with the share of the full sync done (0..1) and a line of counts. */
  onProgress?: (share: number, text: string) => void;
}

export interface DemoPass {
  mode: 'full' | 'incremental';
  sync: { companies: number; contacts: number; deals: number };
  api: { requests: number; byPhase: { setup: number; sync: number; writeBack: number }; byMethod: Record<string, number>; rejections: Record<string, number> };
  writes: { fields: number; comments: number; todos: number; closed: number };
  evaluated: number;
  tiers: Record<string, number>;
  seconds: number;
}

export interface DemoRun {
  passes: DemoPass[];
  sandbox: Record<string, unknown>;
  app: string;
  installationId: string;
  runtime: Runtime;
  server: ListeningServer;
  sandboxHandle: RunningBitrix24Sandbox;
  close(): Promise<void>;
}

const minus = (after: RequestCounts, before: RequestCounts | null): DemoPass['api'] => {
  const { requests, byPhase, byMethod, rejections } = requestsSince(after, before);
  return { requests, byPhase: { setup: byPhase.setup, sync: byPhase.sync, writeBack: byPhase.writeBack }, byMethod, rejections };
};

const toPass = (report: CycleReport, api: DemoPass['api'], seconds: number): DemoPass => ({
  mode: report.mode,
  sync: { companies: report.sync.company, contacts: report.sync.contact, deals: report.sync.deal },
  api,
  writes: { fields: report.writes.fields, comments: report.writes.comments, todos: report.writes.todos, closed: report.writes.closed },
  evaluated: report.evaluated,
  tiers: report.tiers,
  seconds,
});

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const sandbox = await startBitrix24Sandbox({
    port: 0, companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed, rateLimit: true,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
  });
  const ready = sandbox.readyLine as { clientId: string; clientSecret: string; memberId: string; anchorDate: string; counts: Record<string, number> };
  const total = (ready.counts.companies ?? 0) + (ready.counts.contacts ?? 0) + (ready.counts.deals ?? 0);
  const port = options.port ?? (await freePort());
  const dataDir = resolve(options.dataDir);
  // Every demo run installs into a fresh store, so pass 1 is a true first install.
  rmSync(dataDir, { recursive: true, force: true });
  const loaded = loadConfig({
    overrides: {
      KAM_PORT: String(port),
      KAM_DATA_DIR: dataDir,
      KAM_PUBLIC_URL: `http://127.0.0.1:${port}`,
      // The demo is the embedded default: SQLite, whatever DATABASE_URL says.
      DATABASE_URL: '',
      KAM_ENCRYPTION_KEY: '',
      BITRIX24_CLIENT_ID: ready.clientId,
      BITRIX24_CLIENT_SECRET: ready.clientSecret,
      BITRIX24_OAUTH_URL: `${sandbox.url}/`,
      BITRIX24_PORTAL_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
    },
  });
  if (!loaded.ok) {
    await sandbox.close();
    throw loaded.error;
  }
  const runtime = await createRuntime(loaded.value, options.logger, { autoSync: false, schedule: false });
  const server = await startServer(runtime);
  const close = async () => {
    await server.close();
    await runtime.close();
    await sandbox.close();
  };
  try {
    const bitrix24 = runtime.bitrix24;
    if (!bitrix24) throw new KamError('CONFIG_INVALID', 'Bitrix24 service did not start');
    const passes: DemoPass[] = [];
    const started = Date.now();
    options.onPassStart?.(1, 'full');
    const install = await axios.post(`${sandbox.url}/_sandbox/install`, { installUrl: `${server.url}/bitrix24/install`, eventsUrl: `${server.url}/bitrix24/events` });
    const installed = install.data as { installed: boolean; installer?: { status: number | null } };
    if (!installed.installed) throw new KamError('CRM_REJECTED', `The sandbox portal did not finish the install (installer answered ${installed.installer?.status ?? 'nothing'})`);
    await sandbox.eventsIdle();
    await runtime.queue.idle();
    const installation = await runtime.storage.installations.findByExternalId('bitrix24', ready.memberId);
    if (!installation) throw new KamError('NOT_FOUND', 'The install did not store an installation');
    if (options.settings) await runtime.storage.installations.updateSettings(installation.id, { ...installation.settings, ...options.settings });
    const ticker = options.onProgress
      ? setInterval(() => {
          const status = runtime.progress.status(installation.id);
          options.onProgress?.(total > 0 ? Math.min(1, status.rows / total) : status.progress, status.text);
        }, 500)
      : null;
    const first = await bitrix24.runCycle(installation.id, 'full', { asOf: ready.anchorDate }).finally(() => {
      if (ticker) clearInterval(ticker);
    });
    options.onProgress?.(1, runtime.progress.status(installation.id).text);
    let counts = await bitrix24.requestCounts(installation.id);
    passes.push(toPass(first, minus(counts as RequestCounts, null), (Date.now() - started) / 1000));
    for (let pass = 2; pass <= options.passes; pass += 1) {
      options.onPassStart?.(pass, 'incremental');
      const passStarted = Date.now();
      await axios.post(`${sandbox.url}/_sandbox/mutate`, { count: options.changes, entity: 'deal', seed: options.seed + pass });
      await sandbox.eventsIdle();
      await runtime.queue.idle();
      const report = await bitrix24.runCycle(installation.id, 'incremental', { asOf: ready.anchorDate });
      const now = await bitrix24.requestCounts(installation.id);
      passes.push(toPass(report, minus(now as RequestCounts, counts), (Date.now() - passStarted) / 1000));
      counts = now;
    }
    return { passes, sandbox: sandbox.readyLine, app: server.url, installationId: installation.id, runtime, server, sandboxHandle: sandbox, close };
  } catch (error) {
    await close();
    throw error;
  }
}
