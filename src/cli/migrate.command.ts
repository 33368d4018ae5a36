import type { Command } from 'commander';
import { createRuntime } from '../main';
import { configForCommand } from './config-for-command';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (they also run at start-up) and print the status')
    .action(async () => {
      const { config, logger } = configForCommand();
      const runtime = await createRuntime(config, logger);
      try {
        const status = await runtime.storage.migrationStatus();
        process.stdout.write(`${JSON.stringify({ engine: runtime.storage.engine, ...status })}\n`);
      } finally {
        await runtime.close();
      }
    });
}
