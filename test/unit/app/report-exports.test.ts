import ExcelJS from 'exceljs';
import { buildPortfolioReport } from '../../../src/app/reports/build-portfolio-report';
import { reportToCsv } from '../../../src/app/reports/exports/export-csv';
import { reportToJson } from '../../../src/app/reports/exports/export-json';
import { reportToXlsx } from '../../../src/app/reports/exports/export-xlsx';
import type { SnapshotAccount, SnapshotDeal } from '../../../src/core/engine';
import { REPORT_DEFAULTS, account, snapshot, won } from '../core/portfolio-fixture';

const report = buildPortfolioReport({
  installationId: 'i1',
  granularity: 'quarter',
  asOf: '2026-10-31',
  snapshot: snapshot({
    accounts: [
      account('a', { name: 'Alpha, "big"', industry: 'ENERGY', fields: { potential3y: 80_000_000, contractEnd: '2026-12-01' } }),
      account('b', { name: '+7 Trading', fields: {} }),
    ],
    deals: [won('a', '2026-08-10', 25_000_000), won('a', '2025-08-10', 5_000_000), won('b', '2026-04-10', 1000.5)],
  }),
  ...REPORT_DEFAULTS,
});

/** The Q3 2026 report of these accounts and deals, with the defaults unless `extra` says otherwise. */
const quarterReport = (accounts: SnapshotAccount[], deals: SnapshotDeal[], extra: Partial<Parameters<typeof buildPortfolioReport>[0]> = {}) =>
  buildPortfolioReport({ installationId: 'i1', granularity: 'quarter', asOf: '2026-10-31', snapshot: snapshot({ accounts, deals }), ...REPORT_DEFAULTS, ...extra });

describe('report exports', () => {
  it('XLSX: English headers, number formats, frozen header and filter on every table sheet, and the movement matrix', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await reportToXlsx(report, 'en', [])) as unknown as ExcelJS.Buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Portfolio', 'Accounts', 'Tier movements', 'Managers', 'At risk']);
    for (const sheet of workbook.worksheets) {
      expect([sheet.name, sheet.views[0]?.state, sheet.autoFilter ? 'filter' : 'none']).toEqual([sheet.name, 'frozen', 'filter']);
    }
    const accounts = workbook.getWorksheet('Accounts') as ExcelJS.Worksheet;
    const header = (accounts.getRow(1).values as unknown[]).slice(1);
    const cell = (row: number, name: string) => accounts.getRow(row).getCell(header.indexOf(name) + 1);
    expect(cell(2, 'Account').value).toBe('Alpha, "big"');
    // The engine's score and tier, as numbers and as the tier's label.
    expect(report.accounts[0]).toMatchObject({ id: 'a', tier: 'key' });
    expect(cell(2, 'Score').value).toBe(report.accounts[0]?.score);
    expect(cell(2, 'Tier').value).toBe('Key account');
    expect(cell(2, 'Industry').value).toBe('Energy');
    // The trailing year at the quarter's end (2025-10-01..2026-09-30) holds the 25 M deal only.
    expect(cell(2, 'Revenue 12m').value).toBe(25_000_000);
    expect(cell(2, 'Revenue 12m').numFmt).toBe('#,##0 "₽"');
    expect(cell(2, 'Growth 12m YoY').value).toBe(4);
    expect(cell(2, 'Growth 12m YoY').numFmt).toBe('0.0%');
    expect(cell(2, 'Contract end').value).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(cell(2, 'Contract end').numFmt).toBe('yyyy-mm-dd');
    expect(accounts.getColumn(1).width).toBe(34);

    const movements = workbook.getWorksheet('Tier movements') as ExcelJS.Worksheet;
    const rows = movements.getSheetValues().filter(Boolean).map((row) => (row as unknown[]).slice(1));
    const matrixStart = rows.findIndex((row) => row[0] === 'From tier → To tier');
    expect(rows[matrixStart]).toEqual(['From tier → To tier', 'Key account', 'Develop', 'Standard']);
    const total = rows.slice(matrixStart + 1, matrixStart + 4).reduce((sum, row) => sum + (row.slice(1) as number[]).reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(2);
  });

  it('XLSX names the criteria by when they were saved, in the report\'s language, and shows the hash nowhere (no cell, no note)', async () => {
    const texts = async (subject: typeof report, lang: 'ru' | 'en', history: Parameters<typeof reportToXlsx>[2]) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await reportToXlsx(subject, lang, history)) as unknown as ExcelJS.Buffer);
      const lines = workbook.worksheets.flatMap((sheet) => {
        const found: Array<{ text: string; note: unknown }> = [];
        sheet.eachRow((row) => {
          const first = row.getCell(1);
          if (typeof first.value === 'string') found.push({ text: first.value, note: first.note });
        });
        return found;
      });
      return lines.filter((line) => /criteria|критери/.test(line.text));
    };
    const version = report.ruleVersion;
    const saved = [{ changedAt: '2026-09-12T14:03:00.000Z', ruleVersion: version, previousRuleVersion: 'v0' }];
    const en = await texts(report, 'en', saved);
    expect(en.map((line) => line.text)).toEqual([
      `scored with the criteria of Sep 12, 2026, 2:03 PM UTC; made ${new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(report.generatedAt))}`,
      expect.stringMatching(/^scored with the criteria of Sep 12, 2026/),
    ]);
    expect(en.every((line) => line.note === undefined && !line.text.includes(version))).toBe(true);
    const ru = await texts(report, 'ru', []);
    expect(ru[0]?.text).toMatch(/^оценка: исходные критерии \(как при установке\); составлен /);
    // Criteria changed within the period: both named, the old by its own save.
    const changed = { ...report, tiers: { ...report.tiers, previousRuleVersion: 'v0' } };
    const history = [{ changedAt: '2026-07-01T09:00:00.000Z', ruleVersion: 'v0', previousRuleVersion: version }, ...saved];
    const lines = await texts(changed, 'ru', history);
    expect(lines.at(-1)?.text).toMatch(/^критерии сменились внутри периода: были критерии от 1 июл\. 2026 г\., 09:00 UTC, стали критерии от 12 сент\. 2026 г\., 14:03 UTC$/);
    expect(lines.every((line) => line.note === undefined && !line.text.includes(version) && !line.text.includes('v0'))).toBe(true);
  });

  it('CSV and JSON carry the same accounts, scores and money', async () => {
    const csv = (await reportToCsv(report, 'en', { bom: false })).toString('utf8').split('\r\n').filter(Boolean);
    const json = JSON.parse(reportToJson(report, 'en')) as typeof report & { labels: { period: string; tiers: Record<string, string> } };
    expect(csv).toHaveLength(3);
    expect(csv[1]).toMatch(/^"Alpha, ""big""",a,User not found in the CRM,Energy,/);
    // A name a spreadsheet would take for a formula stays text.
    expect(csv[2]).toMatch(/^'\+7 Trading,b,/);
    expect(csv[2]).toContain(',1000.5,');
    expect(json.accounts.map((a) => [a.id, a.score])).toEqual(report.accounts.map((a) => [a.id, a.score]));
    expect(json.labels.period).toBe('Q3 2026');
    expect(json.labels.tiers).toEqual({ key: 'Key account', develop: 'Develop', standard: 'Standard' });
  });

  it('CSV writes numbers to 12 significant digits, without binary floating-point noise', async () => {
    const [first] = report.accounts;
    if (!first) throw new Error('the fixture report has no account');
    // What the demo's CSV held: margins such as 0.059000000000000004 and LTVs with 17 digits.
    const noisy = { ...report, accounts: [{ ...first, margin: 0.1 + 0.2, ltv: 145139318.93562457, growth: 1e-7, romi: -0.0399999999999998 }] };
    const [, line] = (await reportToCsv(noisy, 'en', { bom: false })).toString('utf8').split('\r\n');
    expect(line).toContain(',0.3,');
    expect(line).toContain(',145139318.936,');
    expect(line).toContain(',-0.04,');
    expect(line).toContain(',0.0000001,');
    expect(line).not.toMatch(/\d{13,}/);
  });

  it('names owners as the CRM does; one the user list lacks, or none, is said so in words, never by a CRM id', async () => {
    const owned = quarterReport(
      [account('a', { ownerId: '7' }), account('b', { ownerId: '9041' }), account('c', { ownerId: null })],
      [won('a', '2026-08-10', 3000), won('b', '2026-08-10', 2000), won('c', '2026-08-10', 1000)],
      { users: new Map([['7', 'Ivan Petrov']]) },
    );
    const expected = {
      en: ['Ivan Petrov', 'User not found in the CRM', 'No owner'],
      ru: ['Ivan Petrov', 'Сотрудник не найден в CRM', 'Не назначен'],
    };
    for (const lang of ['en', 'ru'] as const) {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await reportToXlsx(owned, lang, [])) as unknown as ExcelJS.Buffer);
      const [accounts, managers] = [workbook.worksheets[1], workbook.worksheets[3]] as [ExcelJS.Worksheet, ExcelJS.Worksheet];
      const ownerColumn = ((accounts.getRow(1).values as unknown[]).slice(1) as string[]).indexOf(lang === 'en' ? 'Owner' : 'Ответственный') + 1;
      const column = (sheet: ExcelJS.Worksheet, at: number) => Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2).getCell(at).value);
      // Accounts by revenue: a, b, c; the managers by their accounts' revenue too.
      expect(column(accounts, ownerColumn)).toEqual(expected[lang]);
      expect(column(managers, 1)).toEqual(expected[lang]);
      const csv = (await reportToCsv(owned, lang, { bom: false })).toString('utf8').split('\r\n').filter(Boolean).slice(1);
      expect(csv.map((line) => line.split(',')[2])).toEqual(expected[lang]);
    }
  });
});

describe('report exports: a contact account', () => {
  it('shows its CRM id as the CRM does, without our contact: prefix, in the XLSX sheets and the CSV', async () => {
    // Every account with a point or more is key here, so the unhappy contact is at risk.
    const withContact = quarterReport([account('contact:88', { name: 'Ivan Sidorov', fields: { satisfaction: 2 } })], [won('contact:88', '2026-08-10', 3000)], {
      criteria: { ...REPORT_DEFAULTS.criteria, tiers: [{ id: 'key', minScore: 1 }, { id: 'standard', minScore: 0 }] },
    });
    expect(withContact.atRisk.map((row) => row.id)).toEqual(['contact:88']);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await reportToXlsx(withContact, 'en', [])) as unknown as ExcelJS.Buffer);
    for (const sheet of [workbook.getWorksheet('Accounts'), workbook.getWorksheet('At risk')] as ExcelJS.Worksheet[]) {
      const header = (sheet.getRow(1).values as unknown[]).slice(1);
      expect([sheet.name, sheet.getRow(2).getCell(header.indexOf('CRM id') + 1).value]).toEqual([sheet.name, '88']);
    }
    const csv = (await reportToCsv(withContact, 'en', { bom: false })).toString('utf8');
    expect(csv).toContain('Ivan Sidorov,88,');
    expect(csv).not.toContain('contact:');
  });
});
