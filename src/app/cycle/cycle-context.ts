import { KamError } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { CrmConnector, CrmRegistry } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { Logger } from '../../logging/logger';
import type { EvaluationRunner } from '../evaluation/evaluation-runner';

/** What the generic use cases share: the store, the configured connectors, where we are reachable. */
export interface AppContext {
  storage: Storage;
  connectors: CrmRegistry;
  logger: Logger;
  publicUrl: string;
  defaultLang: Lang;
  /** Where evaluations' CPU work runs (worker threads in `kam serve`, so events keep being answered); default this thread. */
  evaluator?: EvaluationRunner;
}

export function connectorFor(connectors: CrmRegistry, installation: Pick<Installation, 'crm'>): CrmConnector {
  const connector = connectors[installation.crm];
  if (!connector) throw new KamError('CONFIG_INVALID', `${installation.crm} is not configured on this server`);
  return connector;
}

export async function loadActive(storage: Storage, installationId: string): Promise<Installation> {
  const installation = await storage.installations.get(installationId);
  if (!installation) throw new KamError('NOT_FOUND', `Installation ${installationId} not found`);
  if (installation.status !== 'active') {
    throw new KamError('FORBIDDEN', `Installation ${installationId} is ${installation.status}${installation.statusReason ? `: ${installation.statusReason}` : ''}`);
  }
  return installation;
}
