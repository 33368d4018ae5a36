import { accessSync, constants, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { reportToCsv } from '../app/reports/exports/export-csv';
import { reportToJson } from '../app/reports/exports/export-json';
import { reportToXlsx } from '../app/reports/exports/export-xlsx';
import { createPortfolioReports } from '../app/reports/portfolio-reports';
import { reportSettingsOf } from '../app/reports/report-settings';
import { rulesName, type RulesHistory } from '../app/reports/rules-ref';
import { BITRIX24_TRAITS } from '../connectors/bitrix24/bitrix24-crm';
import type { CrmTraits } from '../core/ports/crm-connector.port';
import type { CrmKind } from '../core/ports/installation-store.port';
import type { PortfolioReport } from '../app/reports/report-types';
import type { Config } from '../config';
import { KamError } from '../core/errors';
import { i18n, isLang, type Lang } from '../core/i18n/messages';
import { calendarDatePart } from '../core/model/calendar-date';
import { GRANULARITIES, type Granularity } from '../core/model/periods';
import type { Storage } from '../core/ports/storage.port';
import { createStorage } from '../storage/create-storage';
import { loadOrCreateEncryptionKey } from '../storage/crypto/encryption-key';
import { configForCommand } from './config-for-command';

/** Each CRM's traits, without its credentials (a report reads the store, never the CRM). */
export const crmTraits = (kind: CrmKind): CrmTraits | null => (kind === 'bitrix24' ? BITRIX24_TRAITS : null);

export const REPORT_FORMATS = ['xlsx', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFlags {
  period: string;
  asOf?: string;
  installation?: string;
  format: string;
  out: string;
  lang?: string;
  recompute?: boolean;
}

interface ParsedFlags {
  granularity: Granularity;
  asOf?: string;
  installation?: string;
  format: ReportFormat;
  out: string;
  lang: Lang;
  recompute: boolean;
}

/** Checks every flag first, so a bad one fails before the store is opened or a file is touched. */
export function parseReportFlags(flags: ReportFlags, defaultLang: Lang): ParsedFlags {
  const problems: string[] = [];
  if (!GRANULARITIES.includes(flags.period as Granularity)) problems.push(`--period: expected month, quarter or year, got ${JSON.stringify(flags.period)}`);
  if (!REPORT_FORMATS.includes(flags.format as ReportFormat)) problems.push(`--format: expected xlsx, csv or json, got ${JSON.stringify(flags.format)}`);
  if (flags.asOf !== undefined && calendarDatePart(flags.asOf) !== flags.asOf) problems.push(`--as-of: expected a date YYYY-MM-DD, got ${JSON.stringify(flags.asOf)}`);
  if (flags.lang !== undefined && !isLang(flags.lang)) problems.push(`--lang: expected ru or en, got ${JSON.stringify(flags.lang)}`);
  const outProblem = unwritableOut(flags.out);
  if (outProblem) problems.push(`--out: ${outProblem}`);
  if (problems.length > 0) throw new KamError('INPUT_INVALID', problems.join('\n'));
  return {
    granularity: flags.period as Granularity,
    ...(flags.asOf !== undefined ? { asOf: flags.asOf } : {}),
    ...(flags.installation !== undefined ? { installation: flags.installation } : {}),
    format: flags.format as ReportFormat,
    out: flags.out,
    lang: (flags.lang as Lang | undefined) ?? defaultLang,
    recompute: flags.recompute === true,
  };
}

/** Why the report could not be written to `out`, asked before a report is computed (seconds on a big portal). */
function unwritableOut(out: string): string | null {
  const folder = dirname(resolve(out));
  if (!existsSync(folder)) return `the folder ${folder} does not exist`;
  if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
  if (existsSync(out) && statSync(out).isDirectory()) return `${out} is a folder; give a file name`;
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    return `the folder ${folder} is not writable`;
  }
  return null;
}

export async function renderReport(report: PortfolioReport, format: ReportFormat, lang: Lang, history: RulesHistory): Promise<Buffer> {
  if (format === 'xlsx') return reportToXlsx(report, lang, history);
  if (format === 'csv') return reportToCsv(report, lang, { bom: true });
  return Buffer.from(reportToJson(report, lang), 'utf8');
}

async function openStore(sqliteFile: string, keyFile: string, configuredKey: string | null, databaseUrl: string | null): Promise<Storage> {
  const key = loadOrCreateEncryptionKey({ configuredKey, keyFile });
  if (!key.ok) throw key.error;
  return createStorage({ databaseUrl, sqliteFile, encryptionKey: key.value });
}

/**
 * The configured store; on SQLite, when it holds no installation and `kam demo` left its own
 * store under KAM_DATA_DIR/demo, that one (the demo keeps its store apart because it wipes it).
 */
export async function storeFor(config: Config, note: (text: string) => void): Promise<Storage> {
  const { dataDir, sqliteFile, keyFile, encryptionKey, databaseUrl } = config.storage;
  const demoDir = join(dataDir, 'demo');
  const demoFile = join(demoDir, 'kam.sqlite');
  const demoAvailable = !databaseUrl && existsSync(demoFile);
  if (demoAvailable && !existsSync(sqliteFile)) {
    note(`kam report: reading the demo's store ${demoFile}\n`);
    return openStore(demoFile, join(demoDir, 'secret.key'), null, null);
  }
  const storage = await openStore(sqliteFile, keyFile, encryptionKey, databaseUrl);
  if (demoAvailable && (await storage.installations.list()).length === 0) {
    await storage.close();
    note(`kam report: ${sqliteFile} holds no installation; reading the demo's store ${demoFile}\n`);
    return openStore(demoFile, join(demoDir, 'secret.key'), null, null);
  }
  return storage;
}

/** Runs `kam report`; writes the file whole or not at all (a temporary file renamed into place). */
export async function runReport(flags: ReportFlags, deps: { config: Config; stderr: (text: string) => void; now?: () => Date }): Promise<PortfolioReport> {
  const parsed = parseReportFlags(flags, deps.config.defaultLang);
  const storage = await storeFor(deps.config, deps.stderr);
  try {
    const reports = createPortfolioReports({
      storage,
      settingsOf: reportSettingsOf({ defaultLang: deps.config.defaultLang, traitsOf: crmTraits }),
      ...(deps.now ? { now: deps.now } : {}),
    });
    const report = await reports.report({
      installationId: (await reports.resolveInstallation(parsed.installation)).id,
      granularity: parsed.granularity,
      ...(parsed.asOf ? { asOf: parsed.asOf } : {}),
      recompute: parsed.recompute,
    });
    const history = await storage.settingsHistory.list(report.installationId);
    const body = await renderReport(report, parsed.format, parsed.lang, history);
    const temporary = `${parsed.out}.${process.pid}.tmp`;
    writeFileSync(temporary, body);
    renameSync(temporary, parsed.out);
    const { t, fmt } = i18n(parsed.lang);
    const status = report.frozen ? t('report.frozen')(report.frozen.version) : t('report.live');
    const rules = rulesName(i18n(parsed.lang), history, report.ruleVersion, report.frozen?.frozenAt);
    deps.stderr(`${t('report.title')(fmt.period(report.granularity, report.period.start))}: ${status}; ${t('report.madeBy')(rules, fmt.date(report.generatedAt.slice(0, 10)))} -> ${parsed.out}\n`);
    return report;
  } finally {
    await storage.close();
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('export the portfolio report of the latest closed period (closed periods are frozen with their FX rates and rule version)')
    .requiredOption('--period <granularity>', 'month, quarter or year')
    .requiredOption('--format <format>', 'xlsx, csv (UTF-8 with BOM, for Excel) or json')
    .requiredOption('--out <file>', 'where to write the report')
    .option('--as-of <date>', 'day D, YYYY-MM-DD: the report covers the latest complete period ending on or before it (default: today)')
    .option('--installation <id>', 'which installation (may be left out when the store holds one)')
    .option('--lang <lang>', 'language of headers and labels: ru or en (default: KAM_DEFAULT_LANG)')
    .option('--recompute', 'compute a closed period again and store it as its next frozen version')
    .action(async (flags: ReportFlags) => {
      const { config } = configForCommand();
      await runReport(flags, { config, stderr: (text) => void process.stderr.write(text) });
    });
}
