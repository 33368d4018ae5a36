import PgBoss from 'pg-boss';
import type { Logger } from '../logging/logger';
import { createJobQueue, keyOf, type FailedJob, type JobData, type JobHandler, type JobQueue, type SendOptions } from './job-queue';

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

export async function createPgBossQueue(deps: PgBossQueueDeps): Promise<JobQueue> {
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
  const ensureQueue = (kind: string): Promise<void> => {
    let done = created.get(kind);
    if (!done) {
      done = createQueue(kind);
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
        if (!job) return;
        working += 1;
        try {
          await handler(job.data);
        } catch (error) {
          deps.logger.error('job failed', { job: kind, key: keyOf(kind, job.data), error });
          throw error;
        } finally {
          working -= 1;
        }
      });
    }
  };
  const pending: Array<Promise<void>> = [];

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
      kinds.add(kind);
      await ensureQueue(kind);
      const delaySeconds = Math.ceil((options.delayMs ?? 0) / 1000);
      // null = a job of this kind and key is already waiting: this one is coalesced into it.
      await boss.send(queueName(kind), data, { singletonKey: keyOf(kind, data, options), ...(delaySeconds > 0 ? { startAfter: delaySeconds } : {}) });
    },
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
    },
  };
}
