import { InvalidArgumentError, Option, type Command } from 'commander';
import { freePort } from '../http/free-port';
import { createRuntime, startServer, type ProcessRole } from '../main';
import { configForCommand, untilSignal } from './config-for-command';

export function parsePort(value: string): string {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return String(port);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP server (install handlers, events, widget, pages) and the job scheduler')
    .option('-p, --port <port>', 'port to listen on (default: KAM_PORT or 3000; 0 picks a free one)', parsePort)
    .addOption(
      new Option('--role <role>', 'all: one process does everything; web: installs, events, pages (sends jobs); worker: runs jobs, serves only /health (web and worker need DATABASE_URL)')
        .choices(['all', 'web', 'worker'])
        .default('all'),
    )
    .action(async (options: { port?: string; role: ProcessRole }) => {
      let { config, logger } = configForCommand({ KAM_PORT: options.port });
      // Port 0 means "any free port"; the CRMs need the real one in our callback URLs, so pick it first.
      if (config.http.port === 0) ({ config, logger } = configForCommand({ KAM_PORT: String(await freePort()) }));
      const runtime = await createRuntime(config, logger, { schedule: true, role: options.role });
      const server = await startServer(runtime);
      logger.info(`KAM Pilot listening on ${server.url}`, { storage: runtime.storage.engine, role: runtime.role });
      process.stdout.write(`${JSON.stringify({ url: server.url, health: `${server.url}/health`, role: runtime.role })}\n`);
      const signal = await untilSignal();
      logger.info('stopping', { signal });
      await server.close();
      await runtime.close();
    });
}
