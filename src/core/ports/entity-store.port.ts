import type { EntityKind, EntityOfKind } from '../model/synced';

export interface StoredEntity<K extends EntityKind> {
  kind: K;
  data: EntityOfKind[K];
  deleted: boolean;
  syncedAt: string;
}

export interface UpsertOutcome {
  inserted: number;
  updated: number;
  /** Rows skipped because the stored copy is newer (modifiedAt) or identical. */
  unchanged: number;
}

/** Synced CRM entities, keyed by (installation, kind, crmId). Every call is scoped by installation. */
export interface EntityStore {
  /** Bulk upsert (thousands of rows per call). A row older than the stored one (by modifiedAt) does not overwrite it. */
  upsertMany<K extends EntityKind>(installationId: string, kind: K, rows: EntityOfKind[K][]): Promise<UpsertOutcome>;
  /** Soft delete: the row stays, flagged, so a late event cannot resurrect it by accident. */
  markDeleted(installationId: string, kind: EntityKind, crmIds: string[]): Promise<number>;
  get<K extends EntityKind>(installationId: string, kind: K, crmId: string): Promise<StoredEntity<K> | null>;
  /** All live (not deleted) rows of a kind, in pages by crmId (keyset, never offset). */
  iterate<K extends EntityKind>(installationId: string, kind: K, pageSize?: number): AsyncGenerator<EntityOfKind[K][]>;
  /** The live deals or contacts of one company, by crmId, read by index (never a scan of the kind). */
  listByCompany<K extends 'deal' | 'contact'>(installationId: string, kind: K, companyId: string): Promise<EntityOfKind[K][]>;
  count(installationId: string, kind: EntityKind, options?: { includeDeleted?: boolean }): Promise<number>;
  /** The newest modifiedAt stored for a kind (the reconcile starts from it). */
  maxModifiedAt(installationId: string, kind: EntityKind): Promise<string | null>;
}
