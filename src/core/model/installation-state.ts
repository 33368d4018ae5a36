import { KamError } from '../errors';
import type { InstallationStatus } from '../ports/installation-store.port';

/**
 * The installation state machine (after the mesilov Bitrix24 PHP SDK's installation contract):
 * New -> Active <-> Blocked -> Deleted. Moving to the state one is already in is a no-op (CRMs
 * repeat their install and uninstall calls); every other move not listed here is refused.
 */
const ALLOWED: Record<InstallationStatus, readonly InstallationStatus[]> = {
  new: ['active', 'deleted'],
  active: ['blocked', 'deleted'],
  blocked: ['active', 'deleted'],
  deleted: [],
};

export class IllegalTransitionError extends KamError {
  constructor(
    readonly from: InstallationStatus,
    readonly to: InstallationStatus,
  ) {
    super('CONFLICT', `An installation that is ${from} cannot become ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** `null` when the move is allowed (or a no-op), the typed error otherwise. */
export function checkTransition(from: InstallationStatus, to: InstallationStatus): IllegalTransitionError | null {
  if (from === to || ALLOWED[from].includes(to)) return null;
  return new IllegalTransitionError(from, to);
}

/** The statuses from which a move to `to` is allowed, `to` itself included (a repeat is a no-op). */
export function statusesBefore(to: InstallationStatus): InstallationStatus[] {
  return (Object.keys(ALLOWED) as InstallationStatus[]).filter((from) => checkTransition(from, to) === null);
}
