import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logging/logger';
import { createAttemptsTable, recordAttempt, sweepAttempts } from './job-attempts';

/**
 * Live workers and what each one is doing, in one PostgreSQL table beside pg-boss's own
 * (its schema): a row per worker process with its pid, host, a heartbeat every few seconds and
 * its running jobs with their current phase (`kam jobs` lists them; `kam demo --kill-worker-at`
 * finds its victim there).
 *
 * Takeover: pg-boss 10 takes a job back from a dead worker only when the job's expiry (30 min
 * here) has passed (docs/api/queues.md, `expireInSeconds`; it has no heartbeat). So every
 * worker, at each heartbeat, removes the rows of workers silent for `staleSeconds` and fails
 * (pg-boss `fail`) each active job of ours that no live worker holds: pg-boss then retries it
 * with its backoff (or keeps it failed once out of retries), and the cycle resumes from its
 * saved cursors. A job is only failed once it has been active for `staleSeconds` too, so one
 * just fetched, before its worker wrote it down, is never taken.
 */
export interface LiveJob {
  id: string;
  kind: string;
  key: string;
  /** What the job is doing now (a cycle: setup, sync, evaluate, writeBack); null before it says. */
  phase: string | null;
  /** When the job (or its current phase) started, ISO. */
  since: string;
  /** What the job said it had done when its phase began (a cycle: CRM requests, rows synced). */
  sofar?: Record<string, unknown>;
}

export interface LiveWorker {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
  jobs: LiveJob[];
}

export interface JobClaim {
  /** Records the job's current phase (written at once, so it is seen while the phase runs), in this attempt's row too. */
  phase(name: string, sofar?: Record<string, unknown>): void;
  /** Keeps what this attempt has done so far in its row (job-attempts.ts); resolves once written. */
  progress(sofar: Record<string, unknown>): Promise<void>;
  /** The job ended (done or failed): it is no longer this worker's, and its attempt row says how it ended. */
  release(outcome: 'completed' | 'failed'): Promise<void>;
}

export interface WorkerRegistryDeps {
  sql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** pg-boss's schema: the table lives beside its job table. */
  schema: string;
  /** Only jobs of queues named with this prefix are ours to take over. */
  queuePrefix: string;
  /** A worker silent this long is taken for dead; it heartbeats six times within it. */
  staleSeconds: number;
  logger: Logger;
  /** Fails the jobs through pg-boss, so its retry policy (backoff, limit) applies. */
  failJobs(queue: string, ids: string[], message: string): Promise<void>;
}

export interface WorkerRegistry {
  id: string;
  /** Writes this worker down and starts its heartbeat (with the takeover check). */
  start(): Promise<void>;
  claim(job: { id: string; kind: string; key: string }): JobClaim;
  /** Heartbeat and takeover once, now; resolves with the jobs failed for others to retry. */
  beat(): Promise<number>;
  stop(): Promise<void>;
}

const TABLE = 'kam_worker';

/** Creates the table if missing (also for processes that only read it, e.g. `kam jobs`). */
export async function ensureWorkerTable(sql: WorkerRegistryDeps['sql'], schema: string): Promise<void> {
  // Two processes starting at once would race on CREATE TABLE IF NOT EXISTS: a lock serialises them.
  await sql(`BEGIN;
    SELECT pg_advisory_xact_lock(hashtext('kam-workers:${schema}'));
    CREATE TABLE IF NOT EXISTS ${schema}.${TABLE} (
      id text PRIMARY KEY,
      pid integer NOT NULL,
      host text NOT NULL,
      started_on timestamptz NOT NULL DEFAULT now(),
      heartbeat_on timestamptz NOT NULL DEFAULT now(),
      jobs jsonb NOT NULL DEFAULT '[]'
    );
    ${createAttemptsTable(schema)}
    COMMIT;`);
}

interface WorkerRow {
  id: string;
  pid: number;
  host: string;
  started_on: Date;
  heartbeat_on: Date;
  jobs: LiveJob[];
}

/** The workers whose heartbeat is recent, oldest first. */
export async function listLiveWorkers(sql: WorkerRegistryDeps['sql'], schema: string, staleSeconds: number): Promise<LiveWorker[]> {
  const { rows } = await sql(
    `SELECT id, pid, host, started_on, heartbeat_on, jobs FROM ${schema}.${TABLE} WHERE heartbeat_on >= now() - make_interval(secs => $1) ORDER BY started_on, id`,
    [staleSeconds],
  );
  return (rows as WorkerRow[]).map((row) => ({
    id: row.id,
    pid: row.pid,
    host: row.host,
    startedAt: new Date(row.started_on).toISOString(),
    heartbeatAt: new Date(row.heartbeat_on).toISOString(),
    jobs: row.jobs,
  }));
}

export function createWorkerRegistry(deps: WorkerRegistryDeps): WorkerRegistry {
  const id = randomUUID();
  const table = `${deps.schema}.${TABLE}`;
  const jobs = new Map<string, LiveJob>();
  let timer: NodeJS.Timeout | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  let beating: Promise<number> | null = null;
  let started = false;

  /** Upserts this worker's row; true when it had to be re-inserted (another worker took us for dead). */
  const write = async (): Promise<boolean> => {
    const { rows } = await deps.sql(
      `INSERT INTO ${table} (id, pid, host, jobs) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (id) DO UPDATE SET heartbeat_on = now(), jobs = excluded.jobs
       RETURNING (xmax = 0) AS inserted`,
      [id, process.pid, hostname(), JSON.stringify([...jobs.values()])],
    );
    return (rows[0] as { inserted: boolean }).inserted;
  };
  /** Writes in order, one at a time; a failed write is logged and the next heartbeat repairs it. */
  const queueWrite = (): Promise<boolean> => {
    const done = writes.then(write);
    writes = done.catch((error: unknown) => deps.logger.warn('worker heartbeat not written', { worker: id, error }));
    return done;
  };

  const takeOver = async (): Promise<number> => {
    const dead = await deps.sql(`DELETE FROM ${table} WHERE heartbeat_on < now() - make_interval(secs => $1) RETURNING id, pid, host`, [deps.staleSeconds]);
    for (const worker of dead.rows as Array<{ id: string; pid: number; host: string }>) {
      deps.logger.warn('worker stopped answering: its jobs go to the others', { worker: worker.id, pid: worker.pid, host: worker.host, staleSeconds: deps.staleSeconds });
    }
    const orphans = await deps.sql(
      `SELECT j.name, j.id::text AS id FROM ${deps.schema}.job j
       WHERE j.name LIKE $1 AND j.state = 'active' AND j.started_on < now() - make_interval(secs => $2)
         AND NOT EXISTS (SELECT 1 FROM ${table} w WHERE w.jobs @> jsonb_build_array(jsonb_build_object('id', j.id::text)))`,
      [`${deps.queuePrefix}%`, deps.staleSeconds],
    );
    const byQueue = new Map<string, string[]>();
    for (const row of orphans.rows as Array<{ name: string; id: string }>) byQueue.set(row.name, [...(byQueue.get(row.name) ?? []), row.id]);
    for (const [queue, ids] of byQueue) {
      await deps.failJobs(queue, ids, `its worker stopped (no heartbeat for ${deps.staleSeconds} s)`);
      deps.logger.warn('jobs of a stopped worker handed back for retry', { queue, jobs: ids });
    }
    await sweepAttempts(deps.sql, deps.schema);
    return orphans.rows.length;
  };

  const beat = (): Promise<number> => {
    // One heartbeat at a time: a slow database must not pile them up.
    beating ??= (async () => {
      try {
        if (await queueWrite()) deps.logger.warn('this worker was taken for dead (its heartbeat was late): its jobs may have been retried elsewhere', { worker: id });
        return await takeOver();
      } finally {
        beating = null;
      }
    })();
    return beating;
  };

  return {
    id,
    async start() {
      await ensureWorkerTable(deps.sql, deps.schema);
      await queueWrite();
      started = true;
      timer = setInterval(() => {
        beat().catch((error: unknown) => deps.logger.warn('worker heartbeat failed', { worker: id, error }));
      }, (deps.staleSeconds * 1000) / 6);
      timer.unref();
    },
    claim(job) {
      const entry: LiveJob = { ...job, phase: null, since: new Date().toISOString() };
      jobs.set(job.id, entry);
      if (started) void queueWrite().catch(() => undefined);
      const attempt = recordAttempt(deps.sql, deps.schema, { id: randomUUID(), jobId: job.id, worker: id });
      const kept = (write: Promise<void>): Promise<void> =>
        write.catch((error: unknown) => {
          deps.logger.warn('job attempt not written', { job: job.id, error });
        });
      void kept(attempt.note({}));
      return {
        phase(name, sofar) {
          jobs.set(job.id, { ...entry, phase: name, since: new Date().toISOString(), ...(sofar ? { sofar } : {}) });
          if (started) void queueWrite().catch(() => undefined);
          void kept(attempt.note({ phase: name, ...sofar }));
        },
        progress: (sofar) => kept(attempt.note(sofar)),
        async release(outcome) {
          // The registry first: while it still shows the job, a watcher (the demo's --kill-worker-at) takes it for running.
          jobs.delete(job.id);
          if (started) await queueWrite().catch(() => undefined);
          await kept(attempt.end(outcome));
        },
      };
    },
    beat,
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await beating?.catch(() => undefined);
      await writes;
      if (started) await deps.sql(`DELETE FROM ${table} WHERE id = $1`, [id]).catch(() => undefined);
      started = false;
    },
  };
}
