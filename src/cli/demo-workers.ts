import axios from 'axios';
import type { Config } from '../config';
import { KamError } from '../core/errors';
import type { DemoDriver } from '../app/demo/demo-driver';
import { runWorkersDemo, type KillPhase } from '../app/demo/run-workers-demo';
import type { Storage } from '../core/ports/storage.port';
import { createLogger } from '../logging/logger';
import type * as AppClusterModule from '../sandbox/demo/app-cluster';
import type * as DemoDatabaseModule from '../sandbox/demo/demo-database';
import { i18n } from '../core/i18n/messages';
import { untilSignal } from './config-for-command';
import { openCardLine } from './demo-report';
import { renderDemoReport, type DemoSummary } from './demo-report';
import { demoPortal, type DemoFlags } from './demo.command';

/**
 * `kam demo --workers N [--kill-worker-at sync|write-back]`: the demo with the app as one web
 * and N worker processes on PostgreSQL (src/app/demo/run-workers-demo.ts). The report is the
 * one-process demo's, plus the storage engine and what the workers did.
 */
export interface WorkersDemoCommand {
  flags: DemoFlags;
  driver: DemoDriver;
  config: Config;
  summary(storage: Storage, installationId: string, lang: 'ru' | 'en'): Promise<DemoSummary>;
  crmName: string;
}

/** The workers line of the printed report: storage, processes, the killed one, jobs retried. */
export function workersText(lang: 'ru' | 'en', count: number, killed: { pid: number; phase: KillPhase } | null, retried: number): string {
  const { t, fmt } = i18n(lang);
  const parts = [t('print.workersLine')(fmt.count(count, t('print.workerProcesses')))];
  if (killed) parts.push(t('print.workerKilled')(String(killed.pid), killed.phase));
  parts.push(t('print.jobsRetried')(fmt.number(retried)));
  return `${parts.join(' · ')}\n`;
}

export async function runWorkersDemoCommand(command: WorkersDemoCommand): Promise<void> {
  const { flags, driver, config } = command;
  if (!config.storage.databaseUrl) {
    throw new KamError('CONFIG_INVALID', '--workers runs the app as web and worker processes on PostgreSQL: set DATABASE_URL (the demo works in a database <name>_demo of its own)');
  }
  if (flags.workers === undefined) throw new KamError('INPUT_INVALID', `${flags.killWorkerAt !== undefined ? '--kill-worker-at' : flags.killAtRequest !== undefined ? '--kill-at-request' : '--keep-database'} needs --workers N`);
  if (flags.killAtRequest !== undefined && flags.killWorkerAt === undefined) throw new KamError('INPUT_INVALID', '--kill-at-request needs --kill-worker-at sync|write-back');
  if (flags.criteria !== undefined) throw new KamError('INPUT_INVALID', '--criteria is not available with --workers: run it with the one-process demo');
  if (flags.port !== undefined) throw new KamError('INPUT_INVALID', '--port is not available with --workers: each process picks a free port');
  const lang = flags.lang ?? config.defaultLang;
  const logger = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, format: config.log.format });
  // Loaded only for this command, like the sandboxes: `kam serve` never loads the launcher.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cluster = require('../sandbox/demo/app-cluster') as typeof AppClusterModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const database = require('../sandbox/demo/demo-database') as typeof DemoDatabaseModule;
  const demo = await runWorkersDemo({
    driver,
    ...demoPortal(flags),
    workers: flags.workers,
    ...(flags.killWorkerAt ? { killAt: flags.killWorkerAt === 'sync' ? 'sync' : 'writeBack' } : {}),
    ...(flags.killAtRequest ? { killAtRequest: flags.killAtRequest } : {}),
    databaseUrl: config.storage.databaseUrl,
    workerStaleSeconds: config.jobs.workerStaleSeconds,
    dataDir: `${config.storage.dataDir}/demo`,
    logger,
    startCluster: cluster.startAppCluster,
    freshDatabase: database.freshDemoDatabase,
    dropDatabase: database.dropDemoDatabase,
    ...(flags.keepDatabase ? { keepDatabase: true } : {}),
    onPassStart: (pass, mode) => {
      if (!flags.json) process.stderr.write(`pass ${pass} (${mode})…\n`);
    },
  });
  try {
    const summary = await command.summary(demo.storage, demo.installationId, lang);
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ report: summary, passes: demo.passes, sandbox: demo.sandbox, app: demo.app, storage: { engine: demo.storage.engine }, workers: demo.workers,
          // The sandbox's own count of the requests it served, the killed worker's included.
          sandboxStats: (await axios.get(`${demo.crm.url}/_sandbox/stats`)).data as unknown,
          sandboxState: await demo.crm.state() })}\n`,
      );
    } else {
      process.stdout.write(renderDemoReport(summary, demo.passes, command.crmName));
      process.stdout.write(workersText(lang, demo.workers.count, demo.workers.killed, demo.workers.retriedJobs));
    }
    if (flags.serve) {
      const running = await demo.serve();
      const { t, fmt } = i18n(lang);
      const workers = fmt.count(running.workers.length, t('print.workerProcesses'));
      process.stderr.write(`\n${t('print.servingWorkers')(running.web.url, workers, demo.crm.url)}\n${openCardLine(lang, driver.crm, demo.crm.cardUrl)}\n${t('print.stopHint')}\n`);
      await untilSignal();
    }
  } finally {
    await demo.close();
  }
}
