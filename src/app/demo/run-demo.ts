import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../config';
import { KamError } from '../../core/errors';
import type { RequestCounts } from '../../core/ports/crm-connector.port';
import { requestsSince } from '../../connectors/shared/request-meter';
import type { Logger } from '../../logging/logger';
import { createRuntime, startServer, type Runtime } from '../../main';
import type { ListeningServer } from '../../http/listen';
import type { CycleReport } from '../cycle/run-cycle';
import { applySettingsDraft, passTierChanges, type DemoPreview } from '../settings/demo-settings';
import type { TierChange } from '../settings/tier-changes';
import { freePort } from '../../http/free-port';
import type { DemoDriver, DemoSandbox } from './demo-driver';

/**
 * `kam demo --crm <crm>`: the whole product against that CRM's rate-limited sandbox, in one
 * process. The app is installed through the CRM's real install path (the driver knows it), then
 * each pass syncs, evaluates and writes back; later passes follow simulated user edits, which
 * reach the app as real events or webhooks.
 */
export interface DemoOptions<Handle = unknown> {
  driver: DemoDriver<Handle>;
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
  /** A settings draft (`--criteria FILE`) applied after pass 1 through the settings page's preview and save. */
  settingsDraft?: unknown;
  /** Start the sandbox as a new portal, without the input fields or their values. */
  freshPortal?: boolean;
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
  /** The rule version the pass evaluated with, and the accounts whose tier it changed. */
  ruleVersion: string | null;
  tierChanges: TierChange[];
}

export interface DemoRun<Handle = unknown> {
  passes: DemoPass[];
  sandbox: Record<string, unknown>;
  app: string;
  installationId: string;
  runtime: Runtime;
  server: ListeningServer;
  sandboxHandle: Handle;
  /** The driver's view of the sandbox (state, card URL). */
  crm: DemoSandbox<Handle>;
  /** What the settings draft's preview showed (null without one). */
  preview: DemoPreview | null;
  close(): Promise<void>;
}

const minus = (after: RequestCounts, before: RequestCounts | null): DemoPass['api'] => {
  const { requests, byPhase, byMethod, rejections } = requestsSince(after, before);
  return { requests, byPhase: { setup: byPhase.setup, sync: byPhase.sync, writeBack: byPhase.writeBack }, byMethod, rejections };
};

/** One pass's figures from its cycle report (also the workers demo's, src/app/demo/run-workers-demo.ts). */
export const toPass = (report: CycleReport, api: DemoPass['api'], seconds: number, tiers: Pick<DemoPass, 'ruleVersion' | 'tierChanges'>): DemoPass => ({
  mode: report.mode,
  sync: { companies: report.sync.company, contacts: report.sync.contact, deals: report.sync.deal },
  api,
  writes: { fields: report.writes.fields, comments: report.writes.comments, todos: report.writes.todos, closed: report.writes.closed },
  evaluated: report.evaluated,
  tiers: report.tiers,
  seconds,
  ruleVersion: tiers.ruleVersion,
  tierChanges: tiers.tierChanges,
});

export async function runDemo<Handle>(options: DemoOptions<Handle>): Promise<DemoRun<Handle>> {
  const sandbox = await options.driver.start({
    companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    ...(options.freshPortal ? { freshPortal: true } : {}),
  });
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
      ...sandbox.config,
    },
  });
  if (!loaded.ok) {
    await sandbox.close();
    throw loaded.error;
  }
  const runtime = await createRuntime(loaded.value, options.logger, { autoSync: false, schedule: false, crms: [options.driver.crm] });
  const server = await startServer(runtime);
  const close = async () => {
    await server.close();
    await runtime.close();
    await sandbox.close();
  };
  try {
    const { app } = runtime;
    const crm = options.driver.crm;
    if (!runtime.connectors[crm]) throw new KamError('CONFIG_INVALID', `The ${crm} connector did not start`);
    const passes: DemoPass[] = [];
    const started = Date.now();
    options.onPassStart?.(1, 'full');
    await sandbox.install(server.url);
    await runtime.queue.idle();
    const installation = await runtime.storage.installations.findByExternalId(crm, sandbox.externalId);
    if (!installation) throw new KamError('NOT_FOUND', 'The install did not store an installation');
    if (options.settings) await runtime.storage.installations.updateSettings(installation.id, { ...installation.settings, ...options.settings });
    const ticker = options.onProgress
      ? setInterval(() => {
          const status = runtime.progress.status(installation.id);
          options.onProgress?.(sandbox.total > 0 ? Math.min(1, status.rows / sandbox.total) : status.progress, status.text);
        }, 500)
      : null;
    const first = await app.runCycle(installation.id, 'full', { asOf: sandbox.anchorDate }).finally(() => {
      if (ticker) clearInterval(ticker);
    });
    options.onProgress?.(1, runtime.progress.status(installation.id).text);
    let counts = await app.requestCounts(installation.id);
    let tiers = await passTierChanges(runtime.storage, installation.id, new Map());
    passes.push(toPass(first, minus(counts as RequestCounts, null), (Date.now() - started) / 1000, tiers));
    const preview =
      options.settingsDraft === undefined
        ? null
        : await applySettingsDraft({
            storage: runtime.storage, installationId: installation.id, draft: options.settingsDraft, asOf: sandbox.anchorDate,
            defaultLang: loaded.value.defaultLang, traits: runtime.connectors[crm].traits,
          });
    for (let pass = 2; pass <= options.passes; pass += 1) {
      options.onPassStart?.(pass, 'incremental');
      const passStarted = Date.now();
      await sandbox.mutate(options.changes, options.seed + pass);
      await runtime.queue.idle();
      const report = await app.runCycle(installation.id, 'incremental', { asOf: sandbox.anchorDate });
      const now = await app.requestCounts(installation.id);
      tiers = await passTierChanges(runtime.storage, installation.id, tiers.tiers);
      passes.push(toPass(report, minus(now as RequestCounts, counts), (Date.now() - passStarted) / 1000, tiers));
      counts = now;
    }
    return { passes, sandbox: sandbox.readyLine, app: server.url, installationId: installation.id, runtime, server, sandboxHandle: sandbox.handle, crm: sandbox, preview, close };
  } catch (error) {
    await close();
    throw error;
  }
}
