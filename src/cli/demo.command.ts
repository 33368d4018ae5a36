import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type * as CliProgress from 'cli-progress';
import { KamError } from '../core/errors';
import type { DemoDriver } from '../app/demo/demo-driver';
import type * as AmoCrmDemo from '../sandbox/demo/amocrm.demo-driver';
import type * as Bitrix24Demo from '../sandbox/demo/bitrix24.demo-driver';
import { runDemo } from '../app/demo/run-demo';
import { validateDraft } from '../app/settings/settings-document';
import type { CrmKind } from '../core/ports/installation-store.port';
import { createLogger } from '../logging/logger';
import { configForCommand, untilSignal } from './config-for-command';
import { i18n } from '../core/i18n/messages';
import { openCardLine, renderDemoReport, summarizeDemo, type DemoSummary } from './demo-report';
import { readSettings } from '../app/installation-settings';
import type { Storage } from '../core/ports/storage.port';
import { parsePort } from './serve.command';
import { loadDevOnly } from './dev-only';
import { runWorkersDemoCommand } from './demo-workers';

const count = (min: number) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`must be a whole number >= ${min}`);
  return parsed;
};

/**
 * One demo driver per CRM, loaded only when asked for: the sandboxes (and faker behind them)
 * must never be loaded by `kam serve`, which shares this CLI.
 */
const DRIVERS: Partial<Record<CrmKind, () => DemoDriver>> = {
  // require, not import(): the built CommonJS output must resolve it too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  bitrix24: () => (require('../sandbox/demo/bitrix24.demo-driver') as typeof Bitrix24Demo).bitrix24DemoDriver as DemoDriver,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  amocrm: () => (require('../sandbox/demo/amocrm.demo-driver') as typeof AmoCrmDemo).amocrmDemoDriver as DemoDriver,
};

/** The demo report's title names the sandbox's CRM as its users know it. */
const DEMO_CRM_NAMES: Record<CrmKind, string> = { bitrix24: 'Bitrix24', amocrm: 'amoCRM' };

/** --lang: ru or en, any case and spacing (EN -> en); anything else is refused with the choices. */
export function parseLang(value: string): 'ru' | 'en' {
  const lang = value.trim().toLowerCase();
  if (lang === 'ru' || lang === 'en') return lang;
  throw new InvalidArgumentError(`the report is in ru or en, not ${JSON.stringify(value)}`);
}

export interface DemoFlags {
  crm: string;
  companies: number;
  contacts?: number;
  deals: number;
  seed: number;
  passes: number;
  changes: number;
  json?: boolean;
  serve: boolean;
  port?: string;
  lang?: 'ru' | 'en';
  faults?: string;
  tokenTtl?: number;
  criteria?: string;
  freshPortal?: boolean;
  workers?: number;
  killWorkerAt?: 'sync' | 'write-back';
  killAtRequest?: number;
  keepDatabase?: boolean;
}

/** The portal, passes and sandbox behaviour the flags ask for: the same for the one-process and the workers demo. */
export function demoPortal(flags: DemoFlags) {
  return {
    companies: flags.companies,
    contacts: flags.contacts ?? flags.companies * 2,
    deals: flags.deals,
    seed: flags.seed,
    passes: flags.passes,
    changes: flags.changes,
    ...(flags.faults ? { faults: flags.faults } : {}),
    ...(flags.tokenTtl ? { tokenTtlSeconds: flags.tokenTtl } : {}),
    ...(flags.freshPortal ? { freshPortal: true } : {}),
  };
}

/**
 * `--criteria FILE`: read and checked before the sandbox even starts, so a file that does not
 * validate stops the demo (non-zero exit, the path of each fault) before anything is written.
 */
function readCriteriaDraft(file: string, lang: 'ru' | 'en'): unknown {
  let draft: unknown;
  try {
    draft = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new KamError('INPUT_INVALID', `--criteria ${file}: ${code ? `cannot read the file (${code})` : `invalid JSON: ${(error as Error).message}`}`);
  }
  const checked = validateDraft(draft, lang);
  if (!checked.ok) throw new KamError('INPUT_INVALID', `--criteria ${file}:\n${checked.error.message}`);
  return draft;
}

/** The business content of the demo's report, the same for the text and for --json. */
async function demoSummary(storage: Storage, installationId: string, lang: 'ru' | 'en'): Promise<DemoSummary> {
  const run = await storage.evaluations.latestRun(installationId);
  const accounts = run ? await storage.evaluations.runAccounts(installationId, run.id) : [];
  const names = new Map<string, string>();
  for await (const page of storage.entities.iterate(installationId, 'company')) for (const company of page) names.set(company.crmId, company.name);
  const installation = await storage.installations.get(installationId);
  // Tier labels only: the field map's defaults do not matter here.
  const tiers = installation ? readSettings(installation, lang, { defaultFieldMap: {} }).criteria.tiers : [];
  return summarizeDemo({ lang, run, accounts, names, tiers });
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('install into a rate-limited CRM sandbox, then sync, evaluate and write back, and report what it cost')
    .option('--crm <crm>', `which CRM sandbox (${Object.keys(DRIVERS).join('|')})`, 'bitrix24')
    .option('--companies <n>', 'companies in the sandbox', count(1), 300)
    .option('--contacts <n>', 'contacts in the sandbox (default: 2 per company)', count(0))
    .option('--deals <n>', 'deals in the sandbox', count(0), 3000)
    .option('--seed <n>', 'seed of the generated portfolio', count(0), 1)
    .option('--passes <n>', 'sync-evaluate-write passes; later ones follow simulated edits', count(1), 2)
    .option('--changes <n>', 'deals edited by simulated users before each later pass', count(0), 100)
    .option('--json', 'print one JSON object instead of the report')
    .option('--no-serve', 'exit after the passes instead of keeping the app and sandbox running')
    .option('-p, --port <port>', 'port of the app (default: a free one)', parsePort)
    .option('--lang <lang>', 'report language (ru|en)', parseLang)
    .option('--faults <spec>', 'sandbox fault injection, e.g. "500=0.02,expire=0.05,seed=3"')
    .option('--token-ttl <seconds>', 'sandbox access-token lifetime', count(1))
    .option('--criteria <file>', 'settings draft (e.g. a criteria config) applied after pass 1 through the settings preview and save')
    .option('--fresh-portal', 'start the sandbox as a new portal, without the input fields (potential, margin, ...) or their values')
    .option('--workers <n>', 'run the app as one web and N worker processes on PostgreSQL (needs DATABASE_URL; works in a database <name>_demo of its own)', count(1))
    .addOption(new Option('--kill-worker-at <phase>', 'with --workers: SIGKILL the worker busy with this phase of pass 1; another takes its job over').choices(['sync', 'write-back']))
    .option('--kill-at-request <n>', 'with --kill-worker-at: the worker dies waiting for the answer to its n-th request of that phase (default 1)', count(1))
    .option('--keep-database', 'with --workers: keep the demo database <name>_demo after the run (it is dropped by default)')
    .action(async (flags: DemoFlags) => {
      const loadDriver = DRIVERS[flags.crm as CrmKind];
      if (!loadDriver) throw new KamError('INPUT_INVALID', `--crm ${flags.crm}: no demo for this CRM (choose ${Object.keys(DRIVERS).join(' or ')})`);
      const driver = loadDevOnly('demo', loadDriver);
      const { config } = configForCommand();
      if (flags.workers !== undefined || flags.killWorkerAt !== undefined || flags.killAtRequest !== undefined || flags.keepDatabase !== undefined) {
        await runWorkersDemoCommand({ flags, driver, config, summary: demoSummary, crmName: DEMO_CRM_NAMES[driver.crm] });
        return;
      }
      const lang = flags.lang ?? config.defaultLang;
      const settingsDraft = flags.criteria === undefined ? undefined : readCriteriaDraft(flags.criteria, config.defaultLang);
      // The report (or JSON) owns stdout; the app logs only warnings, to stderr.
      const logger = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, format: config.log.format });
      const tty = Boolean(process.stderr.isTTY) && !flags.json;
      // A development dependency, like the sandboxes: loaded only when the demo draws its bar.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cliProgress = tty ? loadDevOnly('demo', () => require('cli-progress') as typeof CliProgress) : null;
      const bar = cliProgress ? new cliProgress.SingleBar({ format: ' {pass} [{bar}] {percentage}% · {text}', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      let currentPass = '';
      const demo = await runDemo({
        driver,
        ...demoPortal(flags),
        ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
        ...(settingsDraft === undefined ? {} : { settingsDraft }),
        dataDir: `${config.storage.dataDir}/demo`,
        logger,
        onPassStart: (pass, mode) => {
          currentPass = `pass ${pass} (${mode})`;
          if (bar) {
            if (pass === 1) bar.start(100, 0, { pass: currentPass, text: 'install' });
            else bar.update(100, { pass: currentPass, text: 'simulated edits -> events' });
          }
        },
        onProgress: (share, text) => bar?.update(Math.round(share * 100), { pass: currentPass, text }),
      });
      bar?.stop();
      try {
        const { runtime, installationId } = demo;
        const summary = await demoSummary(runtime.storage, installationId, lang);
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ report: summary, passes: demo.passes, ...(demo.preview ? { preview: demo.preview } : {}), sandbox: demo.sandbox, app: demo.app, sandboxState: await demo.crm.state() })}\n`,
          );
        } else {
          process.stdout.write(renderDemoReport(summary, demo.passes, DEMO_CRM_NAMES[driver.crm]));
        }
        if (flags.serve) {
          // From here on the app works as `kam serve` would: events trigger incremental passes.
          demo.runtime.app.enableAutoSync();
          const { t } = i18n(lang);
          process.stderr.write(`\n${t('print.serving')(demo.app, demo.crm.url)}\n${openCardLine(lang, driver.crm, demo.crm.cardUrl)}\n${t('print.stopHint')}\n`);
          await untilSignal();
        }
      } finally {
        await demo.close();
      }
    });
}
