import { i18n } from '../../core/i18n/messages';
import type { CrmSetupOptions, CrmSetupResult } from '../../core/ports/crm-connector.port';
import { readSettings, type InstallationSettings } from '../installation-settings';
import { runExclusive } from '../run-alone';
import { connectorFor, loadActive, type AppContext } from './cycle-context';

/** The configured tiers as the CRM's tier field lists them, named as everywhere else (i18n.tier): never by a bare id where a name is known. */
export const setupTiers = (settings: InstallationSettings): CrmSetupOptions['tiers'] =>
  settings.criteria.tiers.map((tier) => ({ id: tier.id, ru: i18n('ru').tier(settings.criteria.tiers, tier.id), en: i18n('en').tier(settings.criteria.tiers, tier.id) }));

const setupsInFlight = new Map<string, Promise<CrmSetupResult>>();
/** A setup makes a handful of CRM calls; a process that died holding the lease frees it after this. */
const SETUP_LEASE_MS = 2 * 60_000;

/**
 * Idempotent CRM setup (fields, placements or widget, event subscriptions); what the connector
 * must remember goes into its slot, `installation.settings[crm]`. One at a time per installation:
 * an install page and an install event often arrive together (on two web processes, even), and
 * two setups would both try to add the same fields. In this process a second caller shares the
 * running setup; across processes a database lease makes the second wait, then find everything
 * in place.
 */
export function setUpInstallation(context: AppContext, installationId: string): Promise<CrmSetupResult> {
  const running = setupsInFlight.get(installationId);
  if (running) return running;
  const setup = runExclusive(context.storage.leases, `setup:${installationId}`, SETUP_LEASE_MS, () => runSetUp(context, installationId)).finally(() =>
    setupsInFlight.delete(installationId),
  );
  setupsInFlight.set(installationId, setup);
  return setup;
}

async function runSetUp(context: AppContext, installationId: string): Promise<CrmSetupResult> {
  const installation = await loadActive(context.storage, installationId);
  const connector = connectorFor(context.connectors, installation);
  const settings = readSettings(installation, context.defaultLang, connector.traits);
  const session = connector.session(installation);
  const result = await session.inPhase('setup', () =>
    session.setUp({
      publicUrl: context.publicUrl,
      lang: settings.lang,
      tiers: setupTiers(settings),
      contactFields: settings.contactsAsAccounts,
      slot: settings.slot,
    }),
  );
  // Settings read again now: the settings page may have saved while setup talked to the CRM.
  const current = (await context.storage.installations.get(installation.id)) ?? installation;
  await context.storage.installations.updateSettings(installation.id, { ...current.settings, [installation.crm]: result.slot });
  context.logger.info('CRM set up', { installationId: installation.id, crm: installation.crm, created: result.created });
  return result;
}
