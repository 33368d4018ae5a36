import { CONTACT_ACCOUNT_PREFIX } from '../../core/model/synced';
import type { InboundEffect, VerifiedInbound } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { DirtyMark } from '../../core/ports/sync-state-store.port';
import type { AppContext } from '../cycle/cycle-context';
import type { InstallationLifecycle } from '../installation/installation-lifecycle';
import { echoKey } from '../write-back';

/**
 * Event intake, the same for every CRM: a verified inbound request's dirty marks are stored
 * before the CRM gets its 2xx (one cheap upsert; Bitrix24 never retries, so an acknowledged event
 * must not be lost to a crash), the rest after it (neither CRM waits for us): a coalesced
 * incremental pass is scheduled; install, update and uninstall move the installation through
 * its state machine.
 */
export interface InboundHandlers {
  /** Stores an install, sets up when asked; returns the stored installation. */
  install(effect: Extract<InboundEffect, { type: 'install' }>): Promise<Installation>;
  /** Setup again, in the background (the CRM dropped its bindings on an app update). */
  scheduleSetUp(installationId: string): void;
  /** A debounced incremental pass, so a burst of events becomes one read. */
  scheduleIncremental(installationId: string): void;
  forget(installation: Installation): void;
}

/** An update event by our own app user within this long after our write is its echo: nothing new. */
const ECHO_WINDOW_MS = 5 * 60_000;

export function createInboundIntake(context: AppContext, lifecycle: InstallationLifecycle, handlers: InboundHandlers) {
  const { storage, logger } = context;

  /**
   * Our tier/score write comes back as an update by the user our token acts as. Such a change
   * within ECHO_WINDOW_MS of our write to that account carries nothing new: skip the re-read.
   * Any other user's change, or a change long after our write, is read as usual.
   */
  const notEchoes = async (installation: Installation, marks: DirtyMark[]): Promise<DirtyMark[]> => {
    const candidates = marks.filter((mark) => (mark.kind === 'company' || mark.kind === 'contact') && mark.action === 'upsert');
    if (candidates.length === 0) return marks;
    const keyOf = (mark: DirtyMark) => echoKey(mark.kind === 'contact' ? `${CONTACT_ACCOUNT_PREFIX}${mark.crmId}` : mark.crmId);
    const written = await storage.writeState.getMany(installation.id, candidates.map(keyOf));
    const now = Date.now();
    return marks.filter((mark) => {
      if (!candidates.includes(mark)) return true;
      const at = written.get(keyOf(mark));
      return !(typeof at === 'string' && now - Date.parse(at) < ECHO_WINDOW_MS);
    });
  };

  /** Events whose marks record() stored already (before the 2xx). */
  const recorded = new WeakSet<VerifiedInbound>();

  const apply = async (installation: Installation | null, effect: InboundEffect, marksStored: boolean): Promise<void> => {
    switch (effect.type) {
      case 'install':
        await handlers.install(effect);
        return;
      case 'ignored':
        logger.debug('inbound event ignored', { installationId: installation?.id, reason: effect.reason });
        return;
    }
    if (!installation) return;
    switch (effect.type) {
      case 'updated':
        if (effect.applicationToken) await storage.installations.setApplicationToken(installation.id, effect.applicationToken);
        handlers.scheduleSetUp(installation.id);
        return;
      case 'uninstalled':
        handlers.forget(installation);
        if (effect.purge) await storage.installations.purge(installation.id);
        else await lifecycle.markDeleted(installation.id, 'uninstalled from the CRM');
        logger.info('app uninstalled', { installationId: installation.id, crm: installation.crm, purged: effect.purge });
        return;
      case 'dirty': {
        // Usually recorded before the 2xx (record below); what is left is the re-read.
        const marks = marksStored ? effect.marks : effect.byApp ? await notEchoes(installation, effect.marks) : effect.marks;
        if (marks.length === 0) return;
        if (!marksStored) await storage.syncState.markDirty(installation.id, marks);
        handlers.scheduleIncremental(installation.id);
      }
    }
  };

  return {
    /**
     * Stores the dirty marks of a verified event BEFORE the CRM gets its 2xx (one upsert), so an
     * acknowledged event is never lost to a crash: Bitrix24 never sends it again. Returns the
     * event with the marks it recorded (echoes of our own writes dropped).
     */
    async record(verified: VerifiedInbound): Promise<VerifiedInbound> {
      const { installation } = verified;
      if (!installation) return verified;
      const effects: InboundEffect[] = [];
      for (const effect of verified.effects) {
        if (effect.type !== 'dirty') {
          effects.push(effect);
          continue;
        }
        const marks = effect.byApp ? await notEchoes(installation, effect.marks) : effect.marks;
        if (marks.length > 0) await storage.syncState.markDirty(installation.id, marks);
        effects.push({ ...effect, marks });
      }
      const stored = { installation, effects };
      recorded.add(stored);
      return stored;
    },

    /** Applies every effect in order after the 2xx went out (marks already recorded), so nothing here may throw away work silently. */
    async apply(verified: VerifiedInbound): Promise<void> {
      for (const effect of verified.effects) await apply(verified.installation, effect, recorded.has(verified));
    },
  };
}
