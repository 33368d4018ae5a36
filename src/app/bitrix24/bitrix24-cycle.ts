import { KamError } from '../../core/errors';
import type { Storage } from '../../core/ports/storage.port';
import type { Bitrix24Connector } from '../../connectors/bitrix24/bitrix24-connector';
import type { Bitrix24Client } from '../../connectors/bitrix24/bitrix24-client';
import { readReferenceData } from '../../connectors/bitrix24/bitrix24-reference';
import { setupBitrix24Portal, type SetupResult } from '../../connectors/bitrix24/bitrix24-setup';
import { createBitrix24Sync, type SyncCounts } from '../../connectors/bitrix24/bitrix24-sync';
import { createBitrix24Writer } from '../../connectors/bitrix24/bitrix24-writer';
import { requestsSince, type RequestCounts } from '../../connectors/shared/request-meter';
import type { Logger } from '../../logging/logger';
import { FX_STATE_KEY, PIPELINES_STATE_KEY, USERS_STATE_KEY, mergeFxRates, type FxBook } from '../build-snapshot';
import { evaluateInstallation } from '../evaluate-installation';
import { writeBack, type WriteBackCounts } from '../write-back';
import { readSettings } from './installation-settings';

/** One pass for one portal: sync (full or incremental), evaluate, write back; with its cost in requests. */
export interface CycleReport {
  installationId: string;
  mode: 'full' | 'incremental';
  sync: SyncCounts;
  evaluated: number;
  tiers: Record<string, number>;
  writes: WriteBackCounts;
  api: RequestCounts;
  seconds: number;
}

interface CycleDeps {
  storage: Storage;
  connector: Bitrix24Connector;
  logger: Logger;
  publicUrl: string;
  defaultLang: 'ru' | 'en';
  installationId: string;
  onProgress?: (progress: { stream: string; rows: number; done: boolean }) => void;
  /** The evaluation day; defaults to today (UTC). */
  asOf?: string;
}

const loadActive = async (storage: Storage, installationId: string) => {
  const installation = await storage.installations.get(installationId);
  if (!installation) throw new KamError('NOT_FOUND', `Installation ${installationId} not found`);
  if (installation.status !== 'active') throw new KamError('FORBIDDEN', `Installation ${installationId} is ${installation.status}${installation.statusReason ? `: ${installation.statusReason}` : ''}`);
  return installation;
};

const setupsInFlight = new Map<string, Promise<SetupResult>>();

/**
 * Idempotent portal setup; remembers the tier field's item IDs in the installation settings.
 * Single-flight per installation in this process: the installer frame and ONAPPINSTALL often
 * arrive together, and two setups would both try to add the same fields.
 */
export function setupInstallation(deps: Omit<CycleDeps, 'onProgress' | 'asOf'>): Promise<SetupResult> {
  const running = setupsInFlight.get(deps.installationId);
  if (running) return running;
  const setup = runSetup(deps).finally(() => setupsInFlight.delete(deps.installationId));
  setupsInFlight.set(deps.installationId, setup);
  return setup;
}

async function runSetup(deps: Omit<CycleDeps, 'onProgress' | 'asOf'>): Promise<SetupResult> {
  const installation = await loadActive(deps.storage, deps.installationId);
  const settings = readSettings(installation, deps.defaultLang);
  const portal = deps.connector.portal(installation);
  const result = await portal.meter.inPhase('setup', () =>
    setupBitrix24Portal({
      client: portal.client,
      publicUrl: deps.publicUrl,
      lang: settings.lang,
      tiers: settings.criteria.tiers.map((tier) => ({ id: tier.id, ru: tier.label?.ru ?? tier.id, en: tier.label?.en ?? tier.id })),
      contactFields: settings.contactsAsAccounts,
    }),
  );
  // Settings read again now: the settings page may have saved while setup talked to the portal.
  const current = (await deps.storage.installations.get(installation.id)) ?? installation;
  await deps.storage.installations.updateSettings(installation.id, {
    ...current.settings,
    bitrix24: { tierField: result.tierField, scoreField: result.scoreField, tierItemIds: result.tierItemIds, contact: result.contact, appUserId: result.appUserId },
  });
  deps.logger.info('Bitrix24 portal set up', { installationId: installation.id, created: result.created });
  return result;
}

/**
 * Pipelines with stage semantics, users and today's currency rates, at most once a day: rates go
 * into the dated FX book (history builds up day by day), the rest is kept for the pages.
 */
async function refreshReference(deps: CycleDeps, today: string, client: Bitrix24Client) {
  const book = (await deps.storage.writeState.getMany(deps.installationId, [FX_STATE_KEY])).get(FX_STATE_KEY) as (FxBook & { fetchedOn?: string }) | undefined;
  if (book?.fetchedOn === today) return;
  let reference;
  try {
    reference = await readReferenceData(client);
  } catch (error) {
    // Keep yesterday's rates and lists; try again next pass.
    deps.logger.warn('reference data not refreshed', { installationId: deps.installationId, error });
    return;
  }
  const merged = mergeFxRates(book, reference.baseCurrency, today, reference.rates);
  await deps.storage.writeState.putMany(deps.installationId, [
    { key: FX_STATE_KEY, value: { ...merged, fetchedOn: today } },
    { key: PIPELINES_STATE_KEY, value: reference.pipelines },
    { key: USERS_STATE_KEY, value: reference.users },
  ]);
}

export async function runBitrix24Cycle(deps: CycleDeps & { mode: 'full' | 'incremental' }): Promise<CycleReport> {
  const started = Date.now();
  let installation = await loadActive(deps.storage, deps.installationId);
  let settings = readSettings(installation, deps.defaultLang);
  const portal = deps.connector.portal(installation);
  const before = portal.meter.snapshot();
  const asOf = deps.asOf ?? new Date().toISOString().slice(0, 10);
  const logger = deps.logger.child({ installationId: installation.id });

  // Setup again when it never ran, or when contacts became accounts after it did.
  if (!settings.bitrix24 || (settings.contactsAsAccounts && !settings.bitrix24.contact)) {
    await setupInstallation(deps);
    installation = await loadActive(deps.storage, deps.installationId);
    settings = readSettings(installation, deps.defaultLang);
  }
  const sync = createBitrix24Sync({
    client: portal.client, storage: deps.storage, installationId: installation.id, fieldMap: settings.fieldMap, logger,
    appUserId: settings.bitrix24?.appUserId ?? null,
    writtenKinds: settings.contactsAsAccounts ? ['company', 'contact'] : ['company'], ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
  const synced = await portal.meter.inPhase('sync', async () => {
    await refreshReference(deps, asOf, portal.client);
    const counts = await sync.full();
    if (deps.mode === 'incremental') {
      const more = await sync.incremental();
      for (const key of Object.keys(counts) as Array<keyof SyncCounts>) counts[key] += more[key];
    }
    return counts;
  });

  const outcome = await evaluateInstallation({
    storage: deps.storage, installationId: installation.id, asOf, criteria: settings.criteria, rules: settings.rules, lang: settings.lang,
    contactsAsAccounts: settings.contactsAsAccounts,
  });
  const bitrix = settings.bitrix24 as NonNullable<typeof settings.bitrix24>;
  const writer = createBitrix24Writer({ client: portal.client, tierField: bitrix.tierField, scoreField: bitrix.scoreField, tierItemIds: bitrix.tierItemIds, contact: bitrix.contact ?? null });
  const writes = await portal.meter.inPhase('writeBack', () =>
    writeBack({ storage: deps.storage, installationId: installation.id, writer, evaluation: outcome.evaluation, plan: outcome.plan, criteria: settings.criteria, lang: settings.lang, summaryTiers: settings.summaryTiers, logger }),
  );
  const tiers: Record<string, number> = {};
  for (const account of outcome.evaluation.accounts) tiers[account.tier] = (tiers[account.tier] ?? 0) + 1;
  const after = portal.meter.snapshot();
  const report: CycleReport = {
    installationId: installation.id,
    mode: deps.mode,
    sync: synced,
    evaluated: outcome.evaluation.accounts.length,
    tiers,
    writes,
    api: requestsSince(after, before),
    seconds: (Date.now() - started) / 1000,
  };
  logger.info('cycle done', { mode: deps.mode, sync: synced, writes, requests: report.api.requests, seconds: report.seconds });
  return report;
}
