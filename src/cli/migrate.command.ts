import type { Command } from 'commander';
import { runMigrations } from '../storage';
import { configForCommand } from './config-for-command';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (they also run at start-up) and print the status')
    .action(async () => {
      const { config } = configForCommand();
      const result = await runMigrations({ databaseUrl: config.storage.databaseUrl, sqliteFile: config.storage.sqliteFile });
      if (!result.ok) throw result.error;
      process.stdout.write(`${JSON.stringify({ engine: config.storage.databaseUrl ? 'postgres' : 'sqlite', ...result.value })}\n`);
    });
}
