import PgBoss from 'pg-boss';
import type { Logger } from '../logging/logger';
import { createJobQueue, keyOf, type FailedJob, type JobData, type JobHandler, type JobQueue, type SendOptions } from './job-queue';
import { listAttempts, type JobAttempt } from './job-attempts';
import { createWorkerRegistry, ensureWorkerTable, listLiveWorkers } from './worker-registry';

/**
 * The JobQueue port on PostgreSQL through pg-boss (https://github.com/timgit/pg-boss, v10 docs:
 * docs/readme.md and docs/api/queues.md), so web and worker processes share one queue:
 * - each kind is a pg-boss queue with the `stately` policy: per singleton key (the installation)
 *   at most one job is queued and one is active, across every process: one cycle per
 *   installation at a time, and a burst of events becomes one job;
 * - retries with exponential backoff (pg-boss `retryBackoff`), then the job stays `failed`;
 * - schedules live in the database and pg-boss sends each tick once, whichever process sees it.
 * Only processes created with `work: true` (roles worker and all) fetch jobs and run schedules;
 * a web process only sends. `enqueue` (a closure) cannot cross processes: it runs in this one.
 */
export interface PgBossQueueDeps {
  databaseUrl: string;
  logger: Logger;
  /** Jobs worked at once by this process, per kind. */
  concurrency: number;
  /** true: fetch and run jobs and fire schedules (roles worker and all); false: only send (web). */
  work: boolean;
  /** pg-boss's own schema (default `pgboss`); tests use one of their own. */
  schema?: string;
  retry?: { limit: number; delaySeconds: number };
  pollingIntervalSeconds?: number;
  /** A worker silent this long is taken for dead and its jobs retried by others (worker-registry.ts); default 30. */
  staleSeconds?: number;
}

/** One job as the queue holds it: `retries` counts the times it was started again after a failure. */
export interface JobStatus {
  id: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retries: number;
  output: unknown;
}

/** The pg-boss queue also sends a job and follows it by id (the demo waits on its passes this way). */
export interface PgBossQueue extends JobQueue {
  /** Like send; resolves with the job's id, or with the id of the job of that kind and key it joined. */
  sendJob(kind: string, data: JobData, options?: SendOptions): Promise<string>;
  job(id: string): Promise<JobStatus | null>;
  /** Every attempt at the job and what each did so far (job-attempts.ts), oldest first. */
  attempts(id: string): Promise<JobAttempt[]>;
}

const QUEUE_PREFIX = 'kam-';
/** How long a job may run before pg-boss takes it back and retries it (a killed worker's job). */
const EXPIRE_SECONDS = 30 * 60;
const IDLE_POLL_MS = 200;
/** PostgreSQL's deadlock_detected. */
const DEADLOCK = '40P01';

interface FailedRow {
  name: string;
  singleton_key: string | null;
  data: Record<string, string> | null;
  retry_count: number;
  output: { message?: string } | null;
  completed_on: Date;
}

export async function createPgBossQueue(deps: PgBossQueueDeps): Promise<PgBossQueue> {
  const schema = deps.schema ?? 'pgboss';
  const boss = new PgBoss({
    connectionString: deps.databaseUrl,
    schema,
    application_name: 'kam-pilot',
    schedule: deps.work,
    supervise: deps.work,
    max: Math.max(4, deps.concurrency + 2),
  });
  boss.on('error', (error) => deps.logger.error('pg-boss error', { error }));
  await boss.start();
  const sql = (text: string, values?: unknown[]) => boss.getDb().executeSql(text, values ?? []) as Promise<{ rows: unknown[] }>;
  const staleSeconds = deps.staleSeconds ?? 30;
  const registry = deps.work
    ? createWorkerRegistry({
        sql, schema, queuePrefix: QUEUE_PREFIX, staleSeconds, logger: deps.logger,
        failJobs: async (queue, ids, message) => {
          for (const id of ids) await boss.fail(queue, id, { message });
        },
      })
    : null;
  if (registry) await registry.start();
  else await ensureWorkerTable(sql, schema);

  const retry = deps.retry ?? { limit: 3, delaySeconds: 10 };
  const local = createJobQueue({ concurrency: deps.concurrency, logger: deps.logger });
  const created = new Map<string, Promise<void>>();
  const kinds = new Set<string>();
  let working = 0;
  const queueName = (kind: string) => `${QUEUE_PREFIX}${kind}`;
  const createQueue = async (kind: string, attempt = 1): Promise<void> => {
    try {
      // create_queue is INSERT ... ON CONFLICT DO NOTHING plus a partition table: every process
      // may call it, but two at once can deadlock on the partition: the loser tries again.
      await boss.createQueue(queueName(kind), {
        name: queueName(kind),
        policy: 'stately',
        retryLimit: retry.limit,
        retryDelay: retry.delaySeconds,
        retryBackoff: true,
        expireInSeconds: EXPIRE_SECONDS,
      });
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= 5) throw error;
      await createQueue(kind, attempt + 1);
    }
  };
  // This process creates its queues one after another: at once they deadlocked each other on
  // pg-boss's queue table at every start (retried, but a logged error and a second lost).
  let creating: Promise<void> = Promise.resolve();
  const ensureQueue = (kind: string): Promise<void> => {
    let done = created.get(kind);
    if (!done) {
      done = creating.then(() => createQueue(kind));
      creating = done.catch(() => undefined);
      created.set(kind, done);
      done.catch(() => created.delete(kind));
    }
    return done;
  };

  const startWorkers = async (kind: string, handler: JobHandler) => {
    await ensureQueue(kind);
    const options = { batchSize: 1, pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 };
    for (let i = 0; i < deps.concurrency; i += 1) {
      await boss.work<JobData>(queueName(kind), options, async ([job]) => {
        if (!job) return undefined;
        working += 1;
        const claim = registry?.claim({ id: job.id, kind, key: keyOf(kind, job.data) });
        let outcome: 'completed' | 'failed' = 'failed';
        try {
          // What the handler resolves with becomes the job's output (pg-boss complete).
          const output = await handler(job.data, { id: job.id, phase: (name, sofar) => claim?.phase(name, sofar), progress: async (sofar) => claim?.progress(sofar) });
          outcome = 'completed';
          return output;
        } catch (error) {
          deps.logger.error('job failed', { job: kind, key: keyOf(kind, job.data), error });
          throw error;
        } finally {
          await claim?.release(outcome);
          working -= 1;
        }
      });
    }
  };
  const pending: Array<Promise<void>> = [];
  const sendJob = async (kind: string, data: JobData, options: SendOptions = {}): Promise<string> => {
    const id = await send(kind, data, options);
    if (id) return id;
    // Coalesced: the job of this kind and key that was waiting is the one to follow.
    const { rows } = await sql(
      `SELECT id::text AS id FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' ORDER BY created_on DESC LIMIT 1`,
      [queueName(kind), keyOf(kind, data, options)],
    );
    // It finished between the two statements: send again (a new job now goes in).
    return (rows[0] as { id: string } | undefined)?.id ?? sendJob(kind, data, options);
  };
  const send = async (kind: string, data: JobData, options: SendOptions): Promise<string | null> => {
    kinds.add(kind);
    await ensureQueue(kind);
    const delaySeconds = Math.ceil((options.delayMs ?? 0) / 1000);
    // null = a job of this kind and key is already waiting: this one is coalesced into it.
    return boss.send(queueName(kind), data, { singletonKey: keyOf(kind, data, options), ...(delaySeconds > 0 ? { startAfter: delaySeconds } : {}) });
  };

  const queued = async (): Promise<number> => {
    if (kinds.size === 0) return 0;
    const names = [...kinds].map(queueName);
    const { rows } = await boss.getDb().executeSql(`SELECT count(*)::int AS n FROM ${schema}.job WHERE name = ANY($1) AND state < 'completed'`, [names]);
    return (rows[0] as { n: number }).n;
  };

  return {
    handle(kind, handler) {
      kinds.add(kind);
      pending.push(deps.work ? startWorkers(kind, handler) : ensureQueue(kind));
    },
    async send(kind: string, data: JobData, options: SendOptions = {}) {
      await send(kind, data, options);
    },
    sendJob,
    async job(id) {
      const columns = `id::text AS id, state, retry_count, output`;
      const { rows } = await sql(`SELECT ${columns} FROM ${schema}.job WHERE id = $1 UNION ALL SELECT ${columns} FROM ${schema}.archive WHERE id = $1 LIMIT 1`, [id]);
      const row = rows[0] as { id: string; state: JobStatus['state']; retry_count: number; output: unknown } | undefined;
      return row ? { id: row.id, state: row.state, retries: row.retry_count, output: row.output } : null;
    },
    attempts: (id) => listAttempts(sql, schema, id),
    workers: () => listLiveWorkers(sql, schema, staleSeconds),
    async schedule(kind, cronExpression) {
      kinds.add(kind);
      await ensureQueue(kind);
      await boss.schedule(queueName(kind), cronExpression, {}, { singletonKey: kind });
    },
    async failed(limit = 20) {
      const sql = (table: string) =>
        `SELECT name, singleton_key, data, retry_count, output, completed_on FROM ${schema}.${table} WHERE state = 'failed' AND name LIKE '${QUEUE_PREFIX}%'`;
      const { rows } = await boss.getDb().executeSql(`${sql('job')} UNION ALL ${sql('archive')} ORDER BY completed_on DESC LIMIT $1`, [limit]);
      return (rows as FailedRow[]).map(
        (row): FailedJob => ({
          kind: row.name.slice(QUEUE_PREFIX.length),
          key: row.singleton_key ?? '',
          data: row.data ?? {},
          attempts: row.retry_count + 1,
          error: row.output?.message ?? 'failed',
          failedAt: new Date(row.completed_on).toISOString(),
        }),
      );
    },
    enqueue: local.enqueue,
    async idle() {
      await Promise.all(pending);
      for (;;) {
        await local.idle();
        if (working === 0 && (await queued()) === 0) return;
        await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
      }
    },
    async close() {
      await Promise.allSettled(pending);
      await local.close();
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
      await registry?.stop();
    },
  };
}
