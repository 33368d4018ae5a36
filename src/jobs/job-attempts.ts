import type { WorkerRegistryDeps } from './worker-registry';

/**
 * What each attempt at a job has done so far, kept in PostgreSQL as it happens: a row per
 * attempt (a worker starting a job), beside pg-boss's tables. A cycle writes its CRM request
 * counts here before each request goes out (run-cycle `onRequests`), and its phase and synced
 * rows as each phase begins; the attempt is marked `completed` or `failed` when it ends. An
 * attempt whose worker was killed stays unended: its row is all that is left of what it cost,
 * and `kam demo --workers --kill-worker-at` adds it to the pass figures. Rows older than a week
 * are swept at the workers' heartbeats (pg-boss keeps its completed jobs a week too).
 */
export interface JobAttempt {
  attempt: string;
  jobId: string;
  worker: string;
  /** null: the attempt never ended (its worker died) or still runs. */
  ended: 'completed' | 'failed' | null;
  sofar: Record<string, unknown>;
}

export interface AttemptRecord {
  /** Merges `sofar` into the attempt's row; resolves once a write that holds it is committed. */
  note(sofar: Record<string, unknown>): Promise<void>;
  end(outcome: 'completed' | 'failed'): Promise<void>;
}

type Sql = WorkerRegistryDeps['sql'];
export const ATTEMPTS_TABLE = 'kam_job_attempt';
const KEPT_DAYS = 7;

export const createAttemptsTable = (schema: string): string => `
    CREATE TABLE IF NOT EXISTS ${schema}.${ATTEMPTS_TABLE} (
      attempt text PRIMARY KEY,
      job_id text NOT NULL,
      worker text NOT NULL,
      ended text,
      sofar jsonb NOT NULL DEFAULT '{}',
      updated_on timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS ${ATTEMPTS_TABLE}_job ON ${schema}.${ATTEMPTS_TABLE} (job_id);`;

/**
 * One attempt's row. Writes go one at a time and each carries everything noted so far, so a
 * burst of notes costs one write in flight and one waiting, never one per note, and each `note`
 * resolves only once a write made after it has committed.
 */
export function recordAttempt(sql: Sql, schema: string, attempt: { id: string; jobId: string; worker: string }): AttemptRecord {
  const table = `${schema}.${ATTEMPTS_TABLE}`;
  let sofar: Record<string, unknown> = {};
  let ended: string | null = null;
  let version = 0;
  let written = 0;
  let writing: Promise<void> | null = null;
  const write = async (): Promise<void> => {
    const at = version;
    await sql(
      `INSERT INTO ${table} (attempt, job_id, worker, ended, sofar) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (attempt) DO UPDATE SET ended = excluded.ended, sofar = excluded.sofar, updated_on = now()`,
      [attempt.id, attempt.jobId, attempt.worker, ended, JSON.stringify(sofar)],
    );
    written = Math.max(written, at);
  };
  const flushTo = async (target: number): Promise<void> => {
    while (written < target) {
      if (!writing) writing = write().finally(() => (writing = null));
      await writing;
    }
  };
  return {
    note(more) {
      sofar = { ...sofar, ...more };
      version += 1;
      return flushTo(version);
    },
    end(outcome) {
      ended = outcome;
      version += 1;
      return flushTo(version);
    },
  };
}

/** Every attempt at a job, oldest first. */
export async function listAttempts(sql: Sql, schema: string, jobId: string): Promise<JobAttempt[]> {
  const { rows } = await sql(`SELECT attempt, job_id, worker, ended, sofar FROM ${schema}.${ATTEMPTS_TABLE} WHERE job_id = $1 ORDER BY updated_on`, [jobId]);
  return (rows as Array<{ attempt: string; job_id: string; worker: string; ended: JobAttempt['ended']; sofar: Record<string, unknown> }>).map((row) => ({
    attempt: row.attempt, jobId: row.job_id, worker: row.worker, ended: row.ended, sofar: row.sofar,
  }));
}

export async function sweepAttempts(sql: Sql, schema: string): Promise<void> {
  await sql(`DELETE FROM ${schema}.${ATTEMPTS_TABLE} WHERE updated_on < now() - make_interval(days => $1)`, [KEPT_DAYS]);
}
