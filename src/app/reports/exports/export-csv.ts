import { writeToBuffer } from '@fast-csv/format';
import { i18n as i18nFor, type Lang } from '../../../core/i18n/messages';
import type { PortfolioReport } from '../report-types';
import { ACCOUNT_COLUMNS, cells, headers, type CellValue } from './report-columns';

/** Text that a spreadsheet would run as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Plain decimal notation, 12 significant digits (kopecks up to a billion; Excel and Sheets keep 15),
 * which drops binary floating-point noise, also noise a sum of many terms has built up
 * (0.1 + 0.2 is "0.3", not "0.30000000000000004"; a ROMI of -0.0399999999999998 is "-0.04"). String(1e-7)
 * is "1e-7", which no spreadsheet reads as a number everywhere.
 */
function numberText(value: number): string {
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  return /e/i.test(text) ? rounded.toFixed(20).replace(/\.?0+$/, '') : text;
}

function csvCell(value: CellValue, kind: string): string {
  if (value === null) return '';
  if (typeof value === 'number') return numberText(value);
  // A CRM name like "=HYPERLINK(...)" stays text: a leading apostrophe stops Excel and Sheets from evaluating it.
  return kind === 'text' && FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The accounts of a report as CSV (RFC 4180: comma-separated, CRLF line ends, a field quoted
 * when it holds a comma, quote or line break, quotes doubled): one header line in the reader's
 * language, then one line per account. Numbers are plain decimals with a dot and 12 significant
 * digits (rates as fractions), dates `YYYY-MM-DD`. `bom` starts the file with a UTF-8 byte-order mark so
 * Excel reads Cyrillic right; leave it off for Google Sheets' IMPORTDATA.
 */
export async function reportToCsv(report: PortfolioReport, lang: Lang, options: { bom: boolean }): Promise<Buffer> {
  const i18n = i18nFor(lang);
  const context = { i18n, report };
  const rows: string[][] = [headers(ACCOUNT_COLUMNS, i18n)];
  for (const account of report.accounts) {
    rows.push(cells(ACCOUNT_COLUMNS, account, context).map((value, i) => csvCell(value, (ACCOUNT_COLUMNS[i] as { kind: string }).kind)));
  }
  return writeToBuffer(rows, { rowDelimiter: '\r\n', includeEndRowDelimiter: true, writeBOM: options.bom });
}
