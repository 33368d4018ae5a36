import ExcelJS from 'exceljs';
import { i18n as i18nFor, type I18n, type Lang } from '../../../core/i18n/messages';
import type { PortfolioReport } from '../report-types';
import { riskText } from '../risk-text';
import { rulesName, type RulesHistory } from '../rules-ref';
import { ACCOUNT_COLUMNS, MOVEMENT_COLUMNS, PORTFOLIO_COLUMNS, cells, crmIdOf, headers, ownerText, type CellKind, type CellValue, type Column, type ColumnContext } from './report-columns';

/**
 * The report as an Excel workbook (exceljs): Portfolio (the KPIs of the period and the 7
 * before it, one row per period), Accounts (one row per evaluated account), Tier movements,
 * Managers and At risk. Every number is a number cell with a number format (money, %, dates
 * as real dates), each sheet has a frozen header row, an autofilter and column widths, and
 * the headers are in the reader's language. The criteria are named as on the portfolio page, by
 * when they were saved (`history`: the installation's settings history); the rule version's hash
 * is for machines (the JSON export), so no cell or note of the workbook shows it.
 */
export async function reportToXlsx(report: PortfolioReport, lang: Lang, history: RulesHistory): Promise<Buffer> {
  const i18n = i18nFor(lang);
  const { t, fmt } = i18n;
  const context: ColumnContext = { i18n, report };
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'KAM Pilot';
  workbook.title = t('report.title')(fmt.period(report.granularity, report.period.start));
  workbook.created = new Date(report.generatedAt);

  const formats = numberFormats(report.baseCurrency, lang);
  const portfolio = addTable(workbook, t('sheet.portfolio'), PORTFOLIO_COLUMNS, report.trend, context, formats);
  // Below the table: which rules and rates made the report, and whether it is frozen.
  portfolio.addRow([]);
  portfolio.addRow([workbook.title]);
  const rules = (version: string) => rulesName(i18n, history, version, report.frozen?.frozenAt);
  const madeBy = t('report.madeBy')(rules(report.ruleVersion), fmt.date(report.generatedAt.slice(0, 10)));
  portfolio.addRow([madeBy]);
  portfolio.addRow([report.frozen ? t('report.frozen')(report.frozen.version) : t('report.live')]);

  addTable(workbook, t('sheet.accounts'), ACCOUNT_COLUMNS, report.accounts, context, formats);
  const movements = addTable(workbook, t('sheet.movements'), MOVEMENT_COLUMNS, report.tiers.movements, context, formats);
  addMovementMatrix(movements, report, i18n);
  movements.addRow([]);
  const { previousRuleVersion, ruleVersion } = report.tiers;
  movements.addRow([previousRuleVersion !== ruleVersion ? t('report.rulesChanged')(rules(previousRuleVersion), rules(ruleVersion)) : madeBy]);

  const managerColumns: ReadonlyArray<Column<PortfolioReport['managers'][number]>> = [
    { header: 'manager.name', kind: 'text', width: 26, value: (m, c) => ownerText(m.ownerId, m.ownerName, c) },
    { header: 'manager.accounts', kind: 'integer', width: 10, value: (m) => m.accounts },
    ...report.tiers.definitions.map((tier) => ({
      header: 'account.tier' as const,
      kind: 'integer' as const,
      width: 14,
      value: (m: PortfolioReport['managers'][number]) => m.byTier[tier.id] ?? 0,
      label: i18n.tier(report.tiers.definitions, tier.id),
    })),
    { header: 'account.revenue', kind: 'money', width: 16, value: (m) => m.revenue },
    { header: 'account.revenue12m', kind: 'money', width: 16, value: (m) => m.revenue12m },
    { header: 'manager.retention', kind: 'percent', width: 11, value: (m) => m.retentionRate },
    { header: 'account.openSteps', kind: 'integer', width: 9, value: (m) => m.openSteps },
    { header: 'account.overdueSteps', kind: 'integer', width: 9, value: (m) => m.overdueSteps },
  ];
  addTable(workbook, t('sheet.managers'), managerColumns, report.managers, context, formats);

  const riskColumns: ReadonlyArray<Column<PortfolioReport['atRisk'][number]>> = [
    { header: 'account.name', kind: 'text', width: 34, value: (r) => r.name },
    { header: 'account.id', kind: 'text', width: 12, value: (r) => crmIdOf(r.id) },
    { header: 'account.tier', kind: 'text', width: 16, value: (r) => i18n.tier(report.tiers.definitions, r.tier) },
    { header: 'account.score', kind: 'score', width: 9, value: (r) => r.score },
    { header: 'account.risks', kind: 'text', width: 80, value: (r) => r.reasons.map((reason) => riskText(reason, i18n)).join('; ') },
  ];
  addTable(workbook, t('sheet.risks'), riskColumns, report.atRisk, context, formats);

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Below the list, the same moves as a from/to matrix: a row per earlier tier (and "new"), a column per tier now. */
function addMovementMatrix(sheet: ExcelJS.Worksheet, report: PortfolioReport, i18n: I18n): void {
  const tiers = report.tiers.definitions.map((tier) => tier.id);
  const count = (from: string | null, to: string) => report.tiers.movements.find((m) => m.from === from && m.to === to)?.count ?? 0;
  sheet.addRow([]);
  const header = sheet.addRow([`${i18n.t('movement.from')} → ${i18n.t('movement.to')}`, ...tiers.map((id) => i18n.tier(report.tiers.definitions, id))]);
  header.font = { bold: true };
  const origins: Array<string | null> = [...tiers, ...(report.tiers.movements.some((m) => m.from === null) ? [null] : [])];
  for (const from of origins) {
    const label = from === null ? i18n.t('common.newAccount') : i18n.tier(report.tiers.definitions, from);
    const row = sheet.addRow([label, ...tiers.map((to) => count(from, to))]);
    row.eachCell((cell, column) => {
      if (column > 1) cell.numFmt = '0';
    });
  }
}

function numberFormats(currency: string, lang: Lang): Record<CellKind, string | undefined> {
  const symbol = currency === 'RUB' ? '₽' : currency;
  return {
    money: `#,##0 "${symbol}"`,
    percent: '0.0%',
    score: '0.00',
    integer: '0',
    decimal: '0.0',
    date: lang === 'ru' ? 'dd.mm.yyyy' : 'yyyy-mm-dd',
    text: undefined,
  };
}

/** A calendar date as an Excel date: midnight UTC, which exceljs writes as the date's serial number. */
const toCell = (value: CellValue, kind: CellKind): ExcelJS.CellValue =>
  value === null ? null : kind === 'date' && typeof value === 'string' ? new Date(`${value}T00:00:00Z`) : value;

function addTable<Row>(
  workbook: ExcelJS.Workbook,
  name: string,
  columns: ReadonlyArray<Column<Row> & { label?: string }>,
  rows: readonly Row[],
  context: ColumnContext,
  formats: Record<CellKind, string | undefined>,
): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column, i) => ({
    header: column.label ?? (headers(columns, context.i18n)[i] as string),
    width: column.width,
    ...(formats[column.kind] ? { style: { numFmt: formats[column.kind] as string } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).alignment = { vertical: 'middle', wrapText: true };
  for (const row of rows) sheet.addRow(cells(columns, row, context).map((value, i) => toCell(value, (columns[i] as Column<Row>).kind)));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, rows.length + 1), column: columns.length } };
  return sheet;
}
