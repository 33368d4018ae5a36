import cluster from 'node:cluster';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Config } from '../config';
import { KamError } from '../core/errors';
import type { Logger } from '../logging/logger';
import { freePort } from '../http/free-port';
import { createRuntime, startServer, type ProcessRole } from '../main';
import { configForCommand, untilSignal } from './config-for-command';
import { runServeCluster } from './serve-cluster';

export function parsePort(value: string): string {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return String(port);
}

/** At most this many processes per `kam serve`: past the machine's cores more only add memory. */
const MAX_PROCESSES = 64;

export function parseProcesses(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_PROCESSES) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_PROCESSES}`);
  return count;
}

/**
 * The runtime and its server. A child of `--processes N` that cannot start exits at once with
 * the reason: its IPC channel to the primary would otherwise keep it alive, and the primary waiting.
 */
async function start(config: Config, logger: Logger, role: ProcessRole) {
  try {
    const runtime = await createRuntime(config, logger, { schedule: true, role });
    return { runtime, server: await startServer(runtime) };
  } catch (error) {
    if (cluster.isPrimary) throw error;
    process.stderr.write(`kam: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
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
    .option('--processes <n>', 'run N processes of --role web or worker on the one port (node:cluster); a dead one is restarted', parseProcesses, 1)
    .action(async (options: { port?: string; role: ProcessRole; processes: number }) => {
      let { config, logger } = configForCommand({ KAM_PORT: options.port });
      if (options.processes > 1) {
        if (options.role === 'all') throw new KamError('CONFIG_INVALID', '--processes needs --role web or --role worker (on PostgreSQL): --role all is one process with its own queue');
        if (!config.storage.databaseUrl) throw new KamError('CONFIG_INVALID', `--processes needs PostgreSQL (DATABASE_URL): the processes share its queue and state`);
      }
      // Port 0 means "any free port"; the CRMs need the real one in our callback URLs, so pick it first.
      if (config.http.port === 0) ({ config, logger } = configForCommand({ KAM_PORT: String(await freePort()) }));
      if (options.processes > 1 && cluster.isPrimary) {
        const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
        await runServeCluster({ processes: options.processes, role: options.role, port: config.http.port, url, logger, untilStopped: untilSignal });
        return;
      }
      const { runtime, server } = await start(config, logger, options.role);
      logger.info(`KAM Pilot listening on ${server.url}`, { storage: runtime.storage.engine, role: runtime.role });
      // A child of `--processes N`: its primary prints the one line for all of them.
      if (cluster.isPrimary) process.stdout.write(`${JSON.stringify({ url: server.url, health: `${server.url}/health`, role: runtime.role })}\n`);
      const signal = await untilSignal();
      logger.info('stopping', { signal });
      // A child of `--processes N` gets Ctrl-C's SIGINT and then its primary's SIGTERM: the second must not cut the graceful stop short (the primary kills after its grace).
      if (cluster.isWorker) for (const again of ['SIGINT', 'SIGTERM'] as const) process.on(again, () => undefined);
      await server.close();
      await runtime.close();
      // The channel to the primary is the last thing that keeps a child of `--processes N` running.
      cluster.worker?.disconnect();
    });
}
