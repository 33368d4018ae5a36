import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_CRITERIA,
  evaluatePortfolio,
  parseCriteriaConfig,
  parseSnapshot,
  type CriteriaConfig,
  type Lang,
} from '../core/engine';
import { calendarDatePart } from '../core/model/calendar-date';
import { renderEvaluationTable } from './evaluate-table';

export interface EvaluateCommandOptions {
  snapshot: string;
  config?: string;
  asOf?: string;
  lang?: string;
  json?: boolean;
}

export interface EvaluateIo {
  readFile(path: string): string;
  stdout(text: string): void;
  stderr(text: string): void;
}

class InputFault extends Error {}

function readJson(io: EvaluateIo, what: string, path: string): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InputFault(`${what} ${path}: cannot read the file${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputFault(`${what} ${path}: invalid JSON: ${(error as Error).message}`);
  }
}

/**
 * Runs `kam evaluate` and returns the exit code: 0 on success, 1 on bad input (the fault and
 * its JSON path go to stderr; stdout stays empty, so a pipeline never takes half a result).
 */
export function runEvaluate(options: EvaluateCommandOptions, io: EvaluateIo): number {
  try {
    const lang: Lang = options.lang === undefined ? 'en' : (options.lang as Lang);
    if (lang !== 'en' && lang !== 'ru') throw new InputFault(`--lang: expected "ru" or "en", got ${JSON.stringify(options.lang)}`);
    if (options.asOf !== undefined && calendarDatePart(options.asOf) === null) {
      throw new InputFault(`--as-of: expected date YYYY-MM-DD, got ${JSON.stringify(options.asOf)}`);
    }
    const snapshot = parseSnapshot(readJson(io, 'snapshot', options.snapshot));
    if (!snapshot.ok) throw new InputFault(`snapshot ${options.snapshot}:\n${snapshot.error.message}`);
    let config: CriteriaConfig = DEFAULT_CRITERIA;
    if (options.config !== undefined) {
      const parsed = parseCriteriaConfig(readJson(io, 'config', options.config));
      if (!parsed.ok) throw new InputFault(`config ${options.config}:\n${parsed.error.message}`);
      config = parsed.value;
    }
    const result = evaluatePortfolio(snapshot.value, config, { lang, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
    const unknown = result.unknownAccountDeals;
    if (unknown.count > 0) {
      const shown = unknown.dealIds.slice(0, 20).join(', ') + (unknown.count > 20 ? ', ...' : '');
      io.stderr(`kam evaluate: ${unknown.count} deal(s) name an unknown account and were left out: ${shown}\n`);
    }
    io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderEvaluationTable({ result, snapshot: snapshot.value, config, lang, ...(options.config === undefined ? {} : { configFile: options.config }) }));
    return 0;
  } catch (error) {
    if (!(error instanceof InputFault)) throw error;
    io.stderr(`kam evaluate: ${error.message}\n`);
    return 1;
  }
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score and tier a portfolio snapshot and print its KPI pack (see docs/kpi.md)')
    .requiredOption('--snapshot <file>', 'portfolio snapshot JSON (docs/examples/portfolio.json)')
    .option('--config <file>', 'criteria config JSON (default: the built-in criteria)')
    .option('--as-of <date>', 'day D, YYYY-MM-DD (default: the snapshot asOf)')
    .option('--lang <lang>', 'language of reasons and the table: ru or en', 'en')
    .option('--json', 'print the machine-readable result (spec section 6)')
    .action((options: EvaluateCommandOptions) => {
      process.exitCode = runEvaluate(options, {
        readFile: (path) => readFileSync(path, 'utf8'),
        stdout: (text) => void process.stdout.write(text),
        stderr: (text) => void process.stderr.write(text),
      });
    });
}
