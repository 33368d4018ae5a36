import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial';
import { tokenLeaseMigration } from './0002-token-lease';
import { settingsHistoryMigration } from './0003-settings-history';
import { periodReportsMigration } from './0004-period-reports';
import { entitiesByCompanyMigration } from './0005-entities-by-company';
import { frameChecksMigration } from './0006-frame-checks';
import { accountSnapshotsByRunMigration } from './0007-account-snapshots-by-run';
import { rateBucketsMigration } from './0008-rate-buckets';
import { installationChangeNotifyMigration } from './0009-installation-change-notify';

/**
 * Every migration, listed in code rather than found by a folder scan, so the bundle, the
 * compiled dist/ and ts-node/jest all see the same list. Names sort in the order they apply;
 * never rename or edit one that has shipped: add the next.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initialMigration,
  '0002_token_lease': tokenLeaseMigration,
  '0003_settings_history': settingsHistoryMigration,
  '0004_period_reports': periodReportsMigration,
  '0005_entities_by_company': entitiesByCompanyMigration,
  '0006_frame_checks': frameChecksMigration,
  '0007_account_snapshots_by_run': accountSnapshotsByRunMigration,
  '0008_rate_buckets': rateBucketsMigration,
  '0009_installation_change_notify': installationChangeNotifyMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
