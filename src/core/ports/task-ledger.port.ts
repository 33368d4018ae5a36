/**
 * The task ledger: dedup key -> the CRM's task id and state. A key is reserved before the CRM
 * create, so a rerun or a crash between the write and the ledger update never makes a second task.
 */
export type LedgerState = 'pending' | 'open' | 'closed' | 'failed';

export interface LedgerEntry {
  installationId: string;
  dedupKey: string;
  ruleId: string;
  accountId: string;
  ownerId: string | null;
  entityType: string;
  entityId: string;
  title: string;
  /** YYYY-MM-DD */
  dueDate: string | null;
  crmTaskId: string | null;
  state: LedgerState;
  closeReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type LedgerReservation = Omit<LedgerEntry, 'crmTaskId' | 'state' | 'closeReason' | 'createdAt' | 'updatedAt'>;

export interface TaskLedger {
  /** Inserts a pending entry; false when the key is already there (in any state). */
  reserve(entry: LedgerReservation): Promise<boolean>;
  markOpen(installationId: string, dedupKey: string, crmTaskId: string): Promise<void>;
  markClosed(installationId: string, dedupKey: string, reason: string): Promise<void>;
  markFailed(installationId: string, dedupKey: string, reason: string): Promise<void>;
  get(installationId: string, dedupKey: string): Promise<LedgerEntry | null>;
  list(installationId: string, filter?: { states?: LedgerState[]; accountId?: string; createdSince?: string }): Promise<LedgerEntry[]>;
}
