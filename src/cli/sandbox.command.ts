import type { Command } from 'commander';
import { KamError } from '../core/errors';
import { InvalidArgumentError, Option } from 'commander';
import type * as AmoCrmSandbox from '../sandbox/amocrm';
import type * as Bitrix24Sandbox from '../sandbox/bitrix24';
import type * as Faults from '../sandbox/shared/faults';
import type { RunningSandbox, StartSandboxOptions } from '../sandbox/shared/types';
import { loadDevOnly } from './dev-only';

/**
 * `kam sandbox bitrix24|amocrm`: starts a CRM emulator on 127.0.0.1 and prints ONE JSON line
 * (the ready line: url, endpoints, client credentials, tokens, seed, counts) as the first line
 * on stdout, so scripts can `head -1` it; runs until SIGINT / SIGTERM, then closes cleanly.
 * The emulators (and faker behind them) are loaded only here, lazily: `kam serve` shares this CLI.
 */
function whole(name: string, min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return parsed;
  };
}

function anchor(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError('anchor must be YYYY-MM-DD');
  return value;
}

function faults(value: string): string {
  // commander parses options synchronously; only `kam sandbox --faults` ever loads this.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseFaultSpec } = loadDevOnly('sandbox', () => require('../sandbox/shared/faults') as typeof Faults);
  const parsed = parseFaultSpec(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.error.message);
  return value;
}

interface SandboxFlags {
  port: number;
  companies: number;
  contacts?: number;
  deals: number;
  seed: number;
  anchor?: string;
  rateLimit: boolean;
  faults?: string;
  tokenTtl?: number;
}

function startCrm(crm: 'bitrix24' | 'amocrm', options: StartSandboxOptions): Promise<RunningSandbox> {
  // Loaded here, on demand (require, not import(): the built CommonJS output must resolve it too).
  return loadDevOnly('sandbox', () =>
    crm === 'bitrix24'
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('../sandbox/bitrix24') as typeof Bitrix24Sandbox).startBitrix24Sandbox
      : // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('../sandbox/amocrm') as typeof AmoCrmSandbox).startAmoCrmSandbox,
  )(options);
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run a Bitrix24 or amoCRM emulator with a seeded B2B portfolio (prints a JSON ready line)')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0 = any free port)').argParser(whole('port', 0)).default(0))
    .addOption(new Option('--companies <n>', 'companies to generate').argParser(whole('companies', 0)).default(300))
    .addOption(new Option('--contacts <n>', 'contacts to generate (default 3 per company)').argParser(whole('contacts', 0)))
    .addOption(new Option('--deals <n>', 'deals to generate').argParser(whole('deals', 0)).default(3000))
    .addOption(new Option('--seed <n>', 'seed: same seed, same data').argParser(whole('seed', 0)).default(1))
    .addOption(new Option('--anchor <date>', '"today" of the data, YYYY-MM-DD (default: today UTC)').argParser(anchor))
    .option('--no-rate-limit', 'turn the request-rate limits off')
    .addOption(new Option('--faults <spec>', 'fault injection, e.g. "500=0.05,hang=0.01,cut=0.01,expire=0.02,seed=3"').argParser(faults))
    .addOption(new Option('--token-ttl <s>', 'access-token lifetime in seconds').argParser(whole('token-ttl', 1)))
    .argument('<crm>', 'bitrix24 or amocrm')
    .action(async (crm: string, flags: SandboxFlags) => {
      if (crm !== 'bitrix24' && crm !== 'amocrm') throw new KamError('INPUT_INVALID', `unknown CRM "${crm}": use bitrix24 or amocrm`);
      const sandbox = await startCrm(crm, {
        port: flags.port, companies: flags.companies, contacts: flags.contacts ?? flags.companies * 3, deals: flags.deals,
        seed: flags.seed, anchorDate: flags.anchor, rateLimit: flags.rateLimit, faults: flags.faults, tokenTtlSeconds: flags.tokenTtl,
      });
      process.stdout.write(`${JSON.stringify(sandbox.readyLine)}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sandbox.close();
      process.stderr.write('sandbox: closed\n');
    });
}
