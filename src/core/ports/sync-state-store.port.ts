import type { EntityKind } from '../model/synced';

export type SyncPhase = 'full' | 'incremental';

export interface SyncCursor {
  installationId: string;
  /** What the cursor walks: an entity kind, or another list ('stages', 'users', ...). */
  stream: string;
  phase: SyncPhase;
  /** Connector-defined position (e.g. the last ID seen), opaque to everyone else. */
  position: string | null;
  /** Set when a full pass over the stream has finished. */
  fullCompletedAt: string | null;
  /** High-water mark of the CRM's modification time reconciled so far. */
  modifiedSince: string | null;
  updatedAt: string;
}

export interface DirtyMark {
  kind: EntityKind;
  crmId: string;
  /** 'upsert' re-reads the entity; 'delete' removes it. The latest mark wins. */
  action: 'upsert' | 'delete';
}

/** Sync cursors (a crash resumes where it stopped) and the dirty set events feed. */
export interface SyncStateStore {
  getCursor(installationId: string, stream: string): Promise<SyncCursor | null>;
  saveCursor(cursor: Omit<SyncCursor, 'updatedAt'>): Promise<void>;
  listCursors(installationId: string): Promise<SyncCursor[]>;
  /** Many marks of one entity coalesce into one row. */
  markDirty(installationId: string, marks: DirtyMark[]): Promise<void>;
  /** The oldest marks first, at most `limit`. They stay until cleared. */
  peekDirty(installationId: string, limit: number): Promise<DirtyMark[]>;
  /** Clears marks that were processed, unless re-marked after `markedBefore` (ISO). */
  clearDirty(installationId: string, marks: DirtyMark[], markedBefore: string): Promise<void>;
  countDirty(installationId: string): Promise<number>;
}
