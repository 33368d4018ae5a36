import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';

/**
 * The check, at a smaller size: `kam demo` into a fresh KAM_DATA_DIR, then `kam report
 * --period quarter` as xlsx, csv and json, each run as a user runs it (the real CLI, its exit code).
 */
const ROOT = join(__dirname, '../../..');
const run = promisify(execFile);
const COMPANIES = 60;

describe('kam report after kam demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-report-cli-'));
  const env = { ...process.env, KAM_DATA_DIR: dir, DATABASE_URL: '', KAM_ENCRYPTION_KEY: '', KAM_LOG_LEVEL: 'warn', KAM_DEFAULT_LANG: 'ru', KAM_HOST: '127.0.0.1', KAM_PORT: '3000', KAM_PUBLIC_URL: '' };
  const kam = (...args: string[]) => run(process.execPath, [join(ROOT, 'bin/kam.js'), ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
  const out = (name: string) => join(dir, name);

  let demo: { report: { tiers: Array<{ label: string; count: number }>; topAccounts: Array<{ tierLabel: string; reasons: string[] }>; portfolio: Array<{ label: string }> }; passes: unknown[] };

  beforeAll(async () => {
    demo = JSON.parse((await kam('demo', '--crm', 'bitrix24', '--companies', String(COMPANIES), '--contacts', '120', '--deals', '700', '--seed', '11', '--passes', '1', '--json', '--no-serve')).stdout);
    for (const format of ['xlsx', 'csv', 'json']) await kam('report', '--period', 'quarter', '--format', format, '--out', out(`q.${format}`));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const json = () => JSON.parse(readFileSync(out('q.json'), 'utf8')) as {
    period: { start: string; end: string };
    accounts: Array<{ id: string; score: number; revenue12m: number; tier: string }>;
    kpis: Record<string, number | null>;
    trend: unknown[];
    frozen: { version: number } | null;
    labels: { period: string };
  };

  it('kam demo --json carries the business content of the printed report: labelled tiers, periods, top accounts', () => {
    expect(demo.report.tiers.map((tier) => tier.label)).toEqual(['Ключевой клиент', 'Развитие', 'Стандартный']);
    expect(demo.report.tiers.reduce((sum, tier) => sum + tier.count, 0)).toBe(COMPANIES);
    expect(demo.report.portfolio.map((p) => p.label)).toEqual([expect.stringMatching(/^[а-я]+\.? \d{4}$/), expect.stringMatching(/^\d кв\. \d{4}$/), expect.stringMatching(/^\d{4}$/)]);
    expect(demo.report.topAccounts.length).toBeGreaterThan(0);
    expect(demo.report.topAccounts[0]?.reasons.length).toBeGreaterThan(0);
    expect(demo.passes).toHaveLength(1);
  });

  it('writes a JSON report of the latest closed quarter with one row per account, frozen as version 1', () => {
    const report = json();
    expect(report.accounts).toHaveLength(COMPANIES);
    expect(report.trend).toHaveLength(8);
    expect(report.frozen).toMatchObject({ version: 1 });
    expect(Object.keys(report.kpis)).toEqual(expect.arrayContaining(['nrr', 'grr', 'churnRate', 'retentionRate', 'revenue']));
    expect(report.labels.period).toMatch(/^\d кв\. \d{4}$/);
  });

  it('writes an XLSX with portfolio and accounts sheets: numbers as numbers, the same scores as the JSON', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out('q.xlsx'));
    const names = workbook.worksheets.map((sheet) => sheet.name);
    expect(names).toEqual(['Портфель', 'Клиенты', 'Движение по уровням', 'Менеджеры', 'Под угрозой']);

    const portfolio = workbook.getWorksheet('Портфель') as ExcelJS.Worksheet;
    const portfolioHeader = (portfolio.getRow(1).values as unknown[]).slice(1);
    expect(portfolioHeader).toEqual(expect.arrayContaining(['NRR', 'GRR', 'Отток', 'Удержание', 'Выручка']));
    const nrrColumn = portfolioHeader.indexOf('NRR') + 1;
    const lastPeriod = portfolio.getRow(9);
    expect(lastPeriod.getCell(nrrColumn).numFmt).toBe('0.0%');
    expect(lastPeriod.getCell(nrrColumn).value).toBeCloseTo(json().kpis.nrr as number, 10);
    expect(typeof lastPeriod.getCell(2).value).toBe('number');

    const accounts = workbook.getWorksheet('Клиенты') as ExcelJS.Worksheet;
    expect(accounts.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(accounts.autoFilter).toBeTruthy();
    const header = (accounts.getRow(1).values as unknown[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    expect(accounts.rowCount).toBe(COMPANIES + 1);
    const byId = new Map(json().accounts.map((a) => [a.id, a]));
    for (let r = 2; r <= accounts.rowCount; r += 1) {
      const row = accounts.getRow(r);
      const expected = byId.get(String(row.getCell(col('ID в CRM')).value));
      expect(row.getCell(col('Балл')).value).toBe(expected?.score);
      expect(row.getCell(col('Выручка 12 мес.')).value).toBe(expected?.revenue12m);
      expect(row.getCell(col('Выручка 12 мес.')).numFmt).toBe('#,##0 "₽"');
    }
    const contractEnd = accounts.getColumn(col('Окончание договора')).values.slice(2).find((value) => value !== null && value !== undefined);
    expect(contractEnd).toBeInstanceOf(Date);
  });

  it('writes a CSV with a BOM, one header line and one line per account', () => {
    const text = readFileSync(out('q.csv'), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).split('\r\n').filter((line) => line !== '');
    expect(lines).toHaveLength(COMPANIES + 1);
    expect(lines[0]).toMatch(/^Клиент,ID в CRM,Ответственный,/);
  });

  it('reads a closed period back frozen; --recompute stores the next version; --lang en speaks English', async () => {
    const again = await kam('report', '--period', 'quarter', '--format', 'json', '--out', out('again.json'));
    expect(again.stderr).toContain('версия 1');
    const recomputed = await kam('report', '--period', 'quarter', '--format', 'json', '--out', out('v2.json'), '--recompute', '--lang', 'en');
    expect(recomputed.stderr).toContain('frozen report, version 2');
    // The criteria named as on the portfolio page (never saved since the demo installed them), not by their hash.
    expect(recomputed.stderr).toContain('scored with the criteria as installed; made ');
    expect(again.stderr).toContain('оценка: исходные критерии (как при установке); составлен ');
    expect(`${again.stderr}${recomputed.stderr}`).not.toMatch(/\b[0-9a-f]{12,}\b/);
    const v2 = JSON.parse(readFileSync(out('v2.json'), 'utf8')) as { frozen: { version: number; reason: string }; labels: { period: string } };
    expect(v2.frozen).toMatchObject({ version: 2, reason: 'recompute' });
    expect(v2.labels.period).toMatch(/^Q\d \d{4}$/);
  }, 60_000);

  it('kam report-link creates a live link once (URL and IMPORTDATA formula) and revokes it', async () => {
    const created = JSON.parse((await kam('report-link', 'create', '--period', 'month')).stdout) as { url: string; formula: string; granularity: string };
    expect(created.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/reports\/live\/[A-Za-z0-9_-]{43}\.csv$/);
    expect(created.formula).toBe(`=IMPORTDATA("${created.url}")`);
    expect(created.granularity).toBe('month');
    const revoked = JSON.parse((await kam('report-link', 'revoke')).stdout) as { revoked: boolean };
    expect(revoked.revoked).toBe(true);
  }, 60_000);

  it('refuses bad flags with every problem named, and writes nothing', async () => {
    const failed = await kam('report', '--period', 'week', '--format', 'pdf', '--out', out('bad.x'), '--as-of', '2026-13-01').catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toContain('--period');
    expect(stderr).toContain('--format');
    expect(stderr).toContain('--as-of');
    expect(existsSync(out('bad.x'))).toBe(false);
  });

  it('refuses an --out it could not write before computing the report, naming the folder', async () => {
    const failed = await kam('report', '--period', 'quarter', '--format', 'csv', '--out', join(dir, 'no-such-folder', 'q.csv')).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain(`--out: the folder ${join(dir, 'no-such-folder')} does not exist`);
    const toFolder = await kam('report', '--period', 'quarter', '--format', 'csv', '--out', dir).catch((error: { code: number; stderr: string }) => error);
    expect((toFolder as { stderr: string }).stderr).toContain('is a folder');
  });
});
