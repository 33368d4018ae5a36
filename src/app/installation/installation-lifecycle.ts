import { KamError } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import { checkTransition, statusesBefore } from '../../core/model/installation-state';
import type { Installation, InstallationInput, InstallationStatus, InstallationStore } from '../../core/ports/installation-store.port';

/**
 * The only way an installation's status changes: New -> Active <-> Blocked -> Deleted
 * (src/core/model/installation-state.ts). Each mark refuses an illegal move with an
 * IllegalTransitionError, also when another writer moved it between the read and the write (the
 * write is conditional on the status it may leave); a move to the state already held is a no-op.
 */
export interface InstallationLifecycle {
  /**
   * Stores an install the CRM vouched for: a first install (or a reinstall after Deleted, which
   * starts a new life) is created New, then marked Active. The admin's settings are never reset.
   */
  install(input: InstallationInput, defaultLang: Lang): Promise<{ installation: Installation; previous: Installation | null }>;
  markActive(installationId: string): Promise<Installation>;
  markBlocked(installationId: string, reason: string): Promise<Installation>;
  markDeleted(installationId: string, reason: string): Promise<Installation>;
}

export function createInstallationLifecycle(installations: InstallationStore): InstallationLifecycle {
  const load = async (id: string) => {
    const installation = await installations.get(id);
    if (!installation) throw new KamError('NOT_FOUND', `Installation ${id} not found`);
    return installation;
  };

  const move = async (id: string, to: InstallationStatus, reason: string | null): Promise<Installation> => {
    const installation = await load(id);
    const refused = checkTransition(installation.status, to);
    if (refused) throw refused;
    if (installation.status === to && installation.statusReason === reason) return installation;
    // The write holds only if the status is still one the move may leave: an uninstall hook or a
    // refused token refresh in another request or process may have moved it since the read.
    if (await installations.setStatus(id, to, reason, { from: statusesBefore(to) })) return { ...installation, status: to, statusReason: reason };
    const now = await load(id);
    throw checkTransition(now.status, to) ?? new KamError('CONFLICT', `Installation ${id} changed status while it was being set ${to}; try again`, { retryable: true });
  };

  return {
    async install(input, defaultLang) {
      const previous = await installations.findByExternalId(input.crm, input.externalId);
      const requestedLang = input.settings?.lang;
      const lang: Lang = requestedLang === 'ru' || requestedLang === 'en' ? requestedLang : defaultLang;
      const { settings: _ignored, status: _status, ...fields } = input;
      const stored = await installations.upsert({
        ...fields,
        // Settings are the admin's: a reinstall or a late install event never resets them.
        ...(previous ? {} : { settings: { lang } }),
        ...(!previous || previous.status === 'deleted' ? { status: 'new' as const } : {}),
      });
      return { installation: await move(stored.id, 'active', null), previous };
    },
    markActive: (id) => move(id, 'active', null),
    markBlocked: (id, reason) => move(id, 'blocked', reason),
    markDeleted: (id, reason) => move(id, 'deleted', reason),
  };
}
