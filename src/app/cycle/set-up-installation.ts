import type { CrmSetupResult } from '../../core/ports/crm-connector.port';
import { readSettings } from '../installation-settings';
import { connectorFor, loadActive, type AppContext } from './cycle-context';

const setupsInFlight = new Map<string, Promise<CrmSetupResult>>();

/**
 * Idempotent CRM setup (fields, placements or widget, event subscriptions); what the connector
 * must remember goes into its slot, `installation.settings[crm]`. Single-flight per installation
 * in this process: an install page and an install event often arrive together, and two setups
 * would both try to add the same fields.
 */
export function setUpInstallation(context: AppContext, installationId: string): Promise<CrmSetupResult> {
  const running = setupsInFlight.get(installationId);
  if (running) return running;
  const setup = runSetUp(context, installationId).finally(() => setupsInFlight.delete(installationId));
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
      tiers: settings.criteria.tiers.map((tier) => ({ id: tier.id, ru: tier.label?.ru ?? tier.id, en: tier.label?.en ?? tier.id })),
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
