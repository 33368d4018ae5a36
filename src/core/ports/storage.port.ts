import type { EntityStore } from './entity-store.port';
import type { EvaluationStore } from './evaluation-store.port';
import type { InstallationStore } from './installation-store.port';
import type { SettingsHistoryStore } from './settings-history.port';
import type { PeriodReportStore, ReportLinkStore } from './period-report-store.port';
import type { LeaseStore } from './lease-store.port';
import type { FrameCheckStore } from './frame-check-store.port';
import type { RateBucketStore } from './rate-bucket-store.port';
import type { SyncStateStore } from './sync-state-store.port';
import type { TaskLedger } from './task-ledger.port';
import type { WriteStateStore } from './write-state-store.port';

export type StorageEngine = 'sqlite' | 'postgres';

export interface MigrationStatus {
  current: boolean;
  applied: string[];
  pending: string[];
}

/** Everything the app keeps, behind one port; SQLite and PostgreSQL adapters pass one contract suite. */
export interface Storage {
  engine: StorageEngine;
  installations: InstallationStore;
  entities: EntityStore;
  syncState: SyncStateStore;
  evaluations: EvaluationStore;
  taskLedger: TaskLedger;
  writeState: WriteStateStore;
  settingsHistory: SettingsHistoryStore;
  periodReports: PeriodReportStore;
  reportLinks: ReportLinkStore;
  leases: LeaseStore;
  frameChecks: FrameCheckStore;
  rateBuckets: RateBucketStore;
  migrationStatus(): Promise<MigrationStatus>;
  close(): Promise<void>;
}
