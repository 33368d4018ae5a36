import type { CrmSession, RequestCounts } from '../../core/ports/crm-connector.port';
import { requestsSince } from '../../connectors/shared/request-meter';
import { FIELDS_STATE_KEY, FX_STATE_KEY, PIPELINES_STATE_KEY, USERS_STATE_KEY, mergeFxRates, type FxBook } from '../build-snapshot';
import { evaluateInstallation } from '../evaluate-installation';
import { readSettings } from '../installation-settings';
import { createInstallationSync, type SyncCounts } from '../sync/sync-installation';
import { writeBack, type WriteBackCounts } from '../write-back';
import { connectorFor, loadActive, type AppContext } from './cycle-context';
import { setUpInstallation, setupTiers } from './set-up-installation';

/**
 * One pass for one installation of any CRM: load, set up if needed, reference data, sync (full
 * or incremental), evaluate, write back, report; with its cost in CRM requests.
 */
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

export interface CycleOptions {
  mode: 'full' | 'incremental';
  onProgress?: (progress: { stream: string; rows: number; done: boolean }) => void;
  /** The evaluation day; defaults to today (UTC). */
  asOf?: string;
  /**
   * Hears each phase as it starts, with what the cycle has done so far, so a worker can show it
   * (src/jobs/worker-registry.ts) and a pass cut short by a dead worker still counts its cost.
   */
  onPhase?: (phase: 'setup' | 'sync' | 'evaluate' | 'writeBack', sofar: { requests: RequestCounts; synced?: SyncCounts }) => void;
  /**
   * Hears the cycle's requests so far before each one goes out, and the request waits for it: a
   * worker keeps them in the database, so a pass whose worker was killed mid-phase still counts
   * every request the dead attempt made (src/jobs/job-attempts.ts).
   */
  onRequests?: (sofar: RequestCounts) => Promise<void>;
}

/**
 * Pipelines with stage semantics, users and today's currency rates, at most once a day: rates go
 * into the dated FX book (history builds up day by day), the rest is kept for the pages.
 */
async function refreshReference(context: AppContext, installationId: string, today: string, session: CrmSession): Promise<void> {
  const { storage } = context;
  const book = (await storage.writeState.getMany(installationId, [FX_STATE_KEY])).get(FX_STATE_KEY) as (FxBook & { fetchedOn?: string }) | undefined;
  if (book?.fetchedOn === today) return;
  let reference;
  try {
    reference = await session.readReference();
  } catch (error) {
    // Keep yesterday's rates and lists; try again next pass.
    context.logger.warn('reference data not refreshed', { installationId, error });
    return;
  }
  const merged = mergeFxRates(book, reference.baseCurrency, today, reference.rates);
  await storage.writeState.putMany(installationId, [
    { key: FX_STATE_KEY, value: { ...merged, fetchedOn: today } },
    { key: PIPELINES_STATE_KEY, value: reference.pipelines },
    { key: USERS_STATE_KEY, value: reference.users },
    // A CRM that does not list its fields keeps the previous list rather than an empty one.
    ...(reference.fields ? [{ key: FIELDS_STATE_KEY, value: reference.fields }] : []),
  ]);
}

export async function runCycle(context: AppContext, installationId: string, options: CycleOptions): Promise<CycleReport> {
  const started = Date.now();
  const installation = await loadActive(context.storage, installationId);
  const connector = connectorFor(context.connectors, installation);
  const settings = readSettings(installation, context.defaultLang, connector.traits);
  const session = connector.session(installation);
  const before = session.requests();
  const onRequests = options.onRequests;
  const unwatch = onRequests ? session.watchRequests((counts) => onRequests(requestsSince(counts, before))) : () => undefined;
  try {
    return await cycleWith(context, installationId, options, { installation, connector, settings, session, before, started });
  } finally {
    unwatch();
  }
}

interface CycleStart {
  installation: Awaited<ReturnType<typeof loadActive>>;
  connector: ReturnType<typeof connectorFor>;
  settings: ReturnType<typeof readSettings>;
  session: CrmSession;
  before: RequestCounts;
  started: number;
}

async function cycleWith(context: AppContext, installationId: string, options: CycleOptions, start: CycleStart): Promise<CycleReport> {
  const { storage } = context;
  const { connector, session, before, started } = start;
  let { installation, settings } = start;
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const logger = context.logger.child({ installationId, crm: installation.crm });

  // Setup again when it never ran, when contacts became accounts after it did, or when saved
  // settings changed the tiers (the tier field's list must follow them before anything is written).
  if (!connector.isSetUp(settings.slot, { contactFields: settings.contactsAsAccounts, tiers: setupTiers(settings), lang: settings.lang })) {
    options.onPhase?.('setup', { requests: requestsSince(session.requests(), before) });
    await setUpInstallation(context, installationId);
    installation = await loadActive(storage, installationId);
    settings = readSettings(installation, context.defaultLang, connector.traits);
  }
  const writtenKinds = settings.contactsAsAccounts ? (['company', 'contact'] as const) : (['company'] as const);
  const sync = createInstallationSync({
    reader: session.reader({ slot: settings.slot, fieldMap: settings.fieldMap, writtenKinds }),
    storage,
    installationId,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  options.onPhase?.('sync', { requests: requestsSince(session.requests(), before) });
  const synced = await session.inPhase('sync', async () => {
    await refreshReference(context, installationId, asOf, session);
    const counts = await sync.full();
    if (options.mode === 'incremental') {
      const more = await sync.incremental();
      for (const key of Object.keys(counts) as Array<keyof SyncCounts>) counts[key] += more[key];
    }
    return counts;
  });

  options.onPhase?.('evaluate', { requests: requestsSince(session.requests(), before), synced });
  const outcome = await evaluateInstallation({
    storage, installationId, asOf, criteria: settings.criteria, rules: settings.rules, lang: settings.lang,
    traits: connector.traits, contactsAsAccounts: settings.contactsAsAccounts, ...(context.evaluator ? { runner: context.evaluator } : {}),
  });
  const writer = session.writer(settings.slot ?? {});
  options.onPhase?.('writeBack', { requests: requestsSince(session.requests(), before), synced });
  const writes = await session.inPhase('writeBack', () =>
    writeBack({ storage, installationId, writer, evaluation: outcome.evaluation, plan: outcome.plan, criteria: settings.criteria, lang: settings.lang, summaryTiers: settings.summaryTiers, summaryPeriod: settings.summaryPeriod, logger }),
  );
  const tiers: Record<string, number> = {};
  for (const account of outcome.evaluation.accounts) tiers[account.tier] = (tiers[account.tier] ?? 0) + 1;
  const report: CycleReport = {
    installationId,
    mode: options.mode,
    sync: synced,
    evaluated: outcome.evaluation.accounts.length,
    tiers,
    writes,
    api: requestsSince(session.requests(), before),
    seconds: (Date.now() - started) / 1000,
  };
  logger.info('cycle done', { mode: options.mode, sync: synced, writes, requests: report.api.requests, seconds: report.seconds });
  return report;
}
