import { InvalidArgumentError, type Command } from 'commander';
import { KamError } from '../core/errors';
import { createPgBossQueue } from '../jobs/pg-boss-queue';
import type { LiveWorker } from '../jobs/worker-registry';
import { configForCommand } from './config-for-command';

/** One live worker: where it runs, its last heartbeat, and each job it runs with its phase. */
function workerLine(worker: LiveWorker): string {
  const jobs = worker.jobs.map((job) => `${job.kind} ${job.key} (${job.phase ?? 'starting'} since ${job.since})`).join(', ');
  return `${worker.host}:${worker.pid}  heartbeat ${worker.heartbeatAt}  ${jobs || 'idle'}`;
}

/**
 * `kam jobs`: the jobs that failed for good (after their retries), newest first, from the
 * shared pg-boss queue on PostgreSQL. On SQLite jobs live inside the one `kam serve` process:
 * its /health lists them.
 */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list jobs that failed after their retries (PostgreSQL; on SQLite see /health of kam serve)')
    .option('-n, --limit <n>', 'how many to list', (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
      return n;
    }, 20)
    .option('--json', 'print JSON lines instead of a table')
    .option('--workers', 'list the live worker processes and the job (and phase) each one runs, instead')
    .action(async (options: { limit: number; json?: boolean; workers?: boolean }) => {
      const { config, logger } = configForCommand();
      if (!config.storage.databaseUrl) {
        throw new KamError('CONFIG_INVALID', 'On SQLite jobs run inside `kam serve`: its /health lists the failed ones. Set DATABASE_URL to read the shared queue.');
      }
      const queue = await createPgBossQueue({ databaseUrl: config.storage.databaseUrl, logger, concurrency: 1, work: false, staleSeconds: config.jobs.workerStaleSeconds });
      try {
        if (options.workers) {
          const workers = await queue.workers();
          if (options.json) for (const worker of workers) process.stdout.write(`${JSON.stringify(worker)}\n`);
          else if (workers.length === 0) process.stdout.write('No live workers.\n');
          else for (const worker of workers) process.stdout.write(`${workerLine(worker)}\n`);
          return;
        }
        const failed = await queue.failed(options.limit);
        if (options.json) {
          for (const job of failed) process.stdout.write(`${JSON.stringify(job)}\n`);
          return;
        }
        if (failed.length === 0) {
          process.stdout.write('No failed jobs.\n');
          return;
        }
        for (const job of failed) process.stdout.write(`${job.failedAt}  ${job.kind.padEnd(10)} ${job.key.padEnd(38)} attempts ${job.attempts}  ${job.error}\n`);
      } finally {
        await queue.close();
      }
    });
}
