/**
 * The row shapes of every table, as Kysely sees them. One definition serves SQLite and
 * PostgreSQL: timestamps are ISO-8601 UTC text (`toISOString()`, so text order is time order),
 * JSON is text, booleans are 0/1 integers. That keeps every repository query identical on
 * both engines; nothing here is queried inside its JSON.
 */
export interface InstallationsTable {
  id: string;
  crm: string;
  external_id: string;
  domain: string;
  client_endpoint: string | null;
  server_endpoint: string | null;
  /** Sealed with the secret cipher (`v1:...`), never plaintext. */
  application_token_enc: string | null;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_expires_at: string | null;
  token_scope: string | null;
  token_version: number;
  status: string;
  status_reason: string | null;
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface EntitiesTable {
  installation_id: string;
  kind: string;
  crm_id: string;
  data: string;
  /** modifiedAt as the CRM gave it; `modified_ms` is the same instant, for comparison and order. */
  modified_at: string | null;
  /** PostgreSQL returns bigint as a string; read it through Number(). */
  modified_ms: number | string | null;
  deleted: number;
  synced_at: string;
  /** A deal's or contact's companyId (0005), for listByCompany; null for companies and unattached rows. */
  company_id: string | null;
}

export interface SyncCursorsTable {
  installation_id: string;
  stream: string;
  phase: string;
  position: string | null;
  full_completed_at: string | null;
  modified_since: string | null;
  updated_at: string;
}

export interface DirtyMarksTable {
  installation_id: string;
  kind: string;
  crm_id: string;
  action: string;
  /** Queue order: a re-mark keeps its place, so a busy entity is not starved. */
  first_marked_at: string;
  /** What clearDirty compares against markedBefore. */
  last_marked_at: string;
}

export interface EvaluationRunsTable {
  id: string;
  installation_id: string;
  as_of: string;
  rule_version: string;
  portfolio: string;
  account_count: number;
  created_at: string;
}

export interface AccountSnapshotsTable {
  installation_id: string;
  run_id: string;
  account_id: string;
  as_of: string;
  score: number;
  tier: string;
  previous_tier: string | null;
  rule_version: string;
  contributions: string;
  kpis: string;
}

export interface TaskLedgerTable {
  installation_id: string;
  dedup_key: string;
  rule_id: string;
  account_id: string;
  owner_id: string | null;
  entity_type: string;
  entity_id: string;
  title: string;
  due_date: string | null;
  crm_task_id: string | null;
  state: string;
  close_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface WriteStateTable {
  installation_id: string;
  key: string;
  value: string;
  updated_at: string;
}

export interface SettingsHistoryTable {
  installation_id: string;
  version: number;
  changed_at: string;
  actor_id: string;
  actor_name: string | null;
  rule_version: string;
  previous_rule_version: string | null;
  /** JSON: [{ path, before, after }] */
  diff: string;
}

export interface KamMetaTable {
  key: string;
  value: string;
  updated_at: string;
}

/** A named lease (a cross-process lock with an expiry); see migrations/0002-token-lease.ts. */
export interface LeasesTable {
  name: string;
  owner: string;
  expires_at: string;
}

/** A card-frame token verdict shared by every process; see migrations/0006-frame-checks.ts. */
export interface FrameChecksTable {
  key_hash: string;
  installation_id: string;
  /** 1 accepted, 0 refused. */
  accepted: number;
  expires_at: string;
}

/** A shared rate budget (token bucket) by name; see migrations/0008-rate-buckets.ts. */
export interface RateBucketsTable {
  key: string;
  /** When the bucket is next due empty, epoch ms; PostgreSQL returns bigint as a string. */
  due_at_ms: number | string;
}

export interface PeriodReportsTable {
  installation_id: string;
  granularity: string;
  period_start: string;
  version: number;
  period_end: string;
  rule_version: string;
  base_currency: string;
  fx_rates: string;
  reason: string;
  report: string;
  created_at: string;
}

export interface ReportLinksTable {
  installation_id: string;
  /** SHA-256 hex of the secret token; the token itself is never stored. */
  token_hash: string;
  granularity: string;
  created_at: string;
}

export interface Database {
  installations: InstallationsTable;
  entities: EntitiesTable;
  sync_cursors: SyncCursorsTable;
  dirty_marks: DirtyMarksTable;
  evaluation_runs: EvaluationRunsTable;
  account_snapshots: AccountSnapshotsTable;
  task_ledger: TaskLedgerTable;
  write_state: WriteStateTable;
  settings_history: SettingsHistoryTable;
  kam_meta: KamMetaTable;
  leases: LeasesTable;
  frame_checks: FrameChecksTable;
  rate_buckets: RateBucketsTable;
  period_reports: PeriodReportsTable;
  report_links: ReportLinksTable;
}
