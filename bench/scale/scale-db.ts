import { Client } from 'pg';

/**
 * The reads the scale bench makes of a round's database (read-only): pg-boss's cycle jobs, the
 * app's installations, their synced ids and the dirty marks. Each round gets a database of its own
 * from the launcher tests' scratchDatabase (created, then dropped with FORCE).
 */
export { scratchDatabase } from '../../test/integration/workers/scratch-database';

export interface CycleJob {
  installationId: string;
  mode: string;
  state: string;
  retries: number;
  createdOn: number;
  startedOn: number | null;
  completedOn: number | null;
}

export interface AppDb {
  /** Every `cycle` job pg-boss holds (the app's queue is named kam-cycle). */
  cycleJobs(): Promise<CycleJob[]>;
  installations(): Promise<Array<{ id: string; crm: string; externalId: string }>>;
  /** Up to `perKind` synced ids of each kind per installation (the event targets). */
  entityIds(kinds: string[], perKind: number): Promise<Array<{ installationId: string; kind: string; crmId: string }>>;
  /** Every dirty mark now: key `installation|kind|crmId` -> its last_marked_at (epoch ms). */
  dirtyMarks(): Promise<Map<string, number>>;
  /**
   * From now on, every dirty mark the app deletes is copied into a table of the bench's own
   * (a trigger in this scratch database; the app's schema and code are untouched). The app
   * deletes a mark only after the read that covers it (clearDirty: marks made before that read began).
   */
  keepClearedMarks(): Promise<void>;
  /** Cleared marks: key -> the latest last_marked_at any cleared mark of that entity had. */
  clearedMarks(): Promise<Map<string, number>>;
  /** The live workers' rows (pid, and each running job's kind and phase) from the app's worker registry. */
  workerJobs(): Promise<Array<{ pid: number; jobs: Array<{ kind: string; key: string; phase: string | null }> }>>;
  close(): Promise<void>;
}

export const entityKey = (installationId: string, kind: string, crmId: string): string => `${installationId}|${kind}|${crmId}`;

const ms = (value: Date | string | null): number | null => (value === null ? null : new Date(value).getTime());

export async function openAppDb(url: string): Promise<AppDb> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    async cycleJobs() {
      const { rows } = await client.query<{ data: { installationId?: string; mode?: string } | null; state: string; retry_count: number; created_on: Date; started_on: Date | null; completed_on: Date | null }>(
        "select data, state, retry_count, created_on, started_on, completed_on from pgboss.job where name = 'kam-cycle'",
      );
      return rows.map((row) => ({
        installationId: row.data?.installationId ?? '', mode: row.data?.mode ?? '', state: row.state, retries: row.retry_count,
        createdOn: ms(row.created_on) as number, startedOn: ms(row.started_on), completedOn: ms(row.completed_on),
      }));
    },
    async installations() {
      const { rows } = await client.query<{ id: string; crm: string; external_id: string }>('select id, crm, external_id from installations');
      return rows.map((row) => ({ id: row.id, crm: row.crm, externalId: row.external_id }));
    },
    async entityIds(kinds, perKind) {
      const { rows } = await client.query<{ installation_id: string; kind: string; crm_id: string }>(
        `select installation_id, kind, crm_id from (
           select installation_id, kind, crm_id, row_number() over (partition by installation_id, kind order by crm_id) as n
           from entities where kind = any($1) and deleted = 0) ranked
         where n <= $2`,
        [kinds, perKind],
      );
      return rows.map((row) => ({ installationId: row.installation_id, kind: row.kind, crmId: row.crm_id }));
    },
    async dirtyMarks() {
      const { rows } = await client.query<{ installation_id: string; kind: string; crm_id: string; last_marked_at: string }>(
        'select installation_id, kind, crm_id, last_marked_at from dirty_marks',
      );
      return new Map(rows.map((row) => [entityKey(row.installation_id, row.kind, row.crm_id), Date.parse(row.last_marked_at)]));
    },
    async keepClearedMarks() {
      await client.query(`
        create table if not exists bench_cleared_marks (installation_id text, kind text, crm_id text, last_marked_at text, cleared_at timestamptz default now());
        create or replace function bench_keep_cleared_mark() returns trigger language plpgsql as $$
        begin
          insert into bench_cleared_marks (installation_id, kind, crm_id, last_marked_at) values (old.installation_id, old.kind, old.crm_id, old.last_marked_at);
          return old;
        end $$;
        drop trigger if exists bench_keep_cleared_mark on dirty_marks;
        create trigger bench_keep_cleared_mark after delete on dirty_marks for each row execute function bench_keep_cleared_mark();`);
    },
    async clearedMarks() {
      const { rows } = await client.query<{ installation_id: string; kind: string; crm_id: string; last_marked_at: string }>(
        'select installation_id, kind, crm_id, max(last_marked_at) as last_marked_at from bench_cleared_marks group by 1, 2, 3',
      );
      return new Map(rows.map((row) => [entityKey(row.installation_id, row.kind, row.crm_id), Date.parse(row.last_marked_at)]));
    },
    async workerJobs() {
      const { rows } = await client.query<{ pid: number; jobs: Array<{ kind: string; key: string; phase: string | null }> }>('select pid, jobs from pgboss.kam_worker');
      return rows;
    },
    close: () => client.end(),
  };
}
