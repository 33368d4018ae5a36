import { Command } from 'commander';
import { APP_VERSION } from './version';
import { registerServe } from './cli/serve.command';
import { registerMigrate } from './cli/migrate.command';
import { registerEvaluate } from './cli/evaluate.command';
import { registerSandbox } from './cli/sandbox.command';
import { registerDemo } from './cli/demo.command';
import { registerReport } from './cli/report.command';
import { registerReportLink } from './cli/report-link.command';
import { registerRotateKey } from './cli/rotate-key.command';
import { registerJobs } from './cli/jobs.command';
import { DevDependenciesMissing } from './cli/dev-only';

/** Each subcommand lives in src/cli/<name>.command.ts and registers itself here. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerServe,
  registerMigrate,
  registerEvaluate,
  registerSandbox,
  registerDemo,
  registerReport,
  registerReportLink,
  registerRotateKey,
  registerJobs,
];

export function createProgram(): Command {
  const program = new Command('kam')
    .description('KAM Pilot: key account management for Bitrix24 and amoCRM (Kommo)')
    .version(APP_VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // commander throws on --help / --version too when exitOverride is on; those are not failures.
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
      return;
    }
    if (error instanceof DevDependenciesMissing) {
      process.stderr.write(`kam: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

// `node dist/cli.js ...` after `npm run build` (bin/kam.js calls main itself from the sources).
if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    process.stderr.write(`kam: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
