import { InvalidArgumentError, type Command } from 'commander';
import { KamError } from '../core/errors';
import { createPgBossQueue } from '../jobs/pg-boss-queue';
import { configForCommand } from './config-for-command';

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
    .action(async (options: { limit: number; json?: boolean }) => {
      const { config, logger } = configForCommand();
      if (!config.storage.databaseUrl) {
        throw new KamError('CONFIG_INVALID', 'On SQLite jobs run inside `kam serve`: its /health lists the failed ones. Set DATABASE_URL to read the shared queue.');
      }
      const queue = await createPgBossQueue({ databaseUrl: config.storage.databaseUrl, logger, concurrency: 1, work: false });
      try {
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
