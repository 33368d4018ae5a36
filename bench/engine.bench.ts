import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_CRITERIA, evaluatePortfolio, parseSnapshot } from '../src/core/engine';
import { fromDay, toDay } from '../src/core/model/calendar-date';

/**
 * `npm run bench -- engine`: parse + evaluate seeded portfolios of 10k, 100k and 1M deals
 * (5 deals per account), each in a fresh process so the peak RSS belongs to that size alone.
 * `npm run bench -- engine --deals 100000 --accounts 20000` measures one size in this process.
 */
const SIZES: Array<[deals: number, accounts: number]> = [[10_000, 2_000], [100_000, 20_000], [1_000_000, 200_000]];
const AS_OF = '2026-10-31';
const INDUSTRIES = ['MANUFACTURING', 'CONSTRUCTION', 'IT', 'TELECOM', 'RETAIL', 'DELIVERY', 'BANKING', 'FOOD'];

/** mulberry32: tiny, seeded, good enough to shape test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generatePortfolio(deals: number, accounts: number, seed = 42): unknown {
  const random = rng(seed);
  const end = toDay(AS_OF);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const fxRates = [];
  for (let m = 0; m < 40; m += 1) {
    const date = fromDay(end - 1200 + m * 30);
    fxRates.push({ currency: 'USD', date, rate: 80 + random() * 20 }, { currency: 'EUR', date, rate: 90 + random() * 20 });
  }
  return {
    baseCurrency: 'RUB',
    asOf: AS_OF,
    fxRates,
    accounts: Array.from({ length: accounts }, (_, i) => ({
      id: `c${i}`,
      name: `Company ${i}`,
      industry: pick(INDUSTRIES),
      ownerId: String(1 + (i % 50)),
      fields: { potential3y: Math.round(random() * 80_000_000), margin: Math.round(random() * 40) / 100, satisfaction: 1 + Math.floor(random() * 10) },
    })),
    deals: Array.from({ length: deals }, (_, i) => {
      const created = end - Math.floor(random() * 1100);
      const roll = random();
      const status = roll < 0.7 ? 'won' : roll < 0.9 ? 'lost' : 'open';
      const currencyRoll = random();
      return {
        id: `d${i}`,
        accountId: `c${Math.floor(random() * accounts)}`,
        amount: Math.round(random() * 3_000_000),
        currency: currencyRoll < 0.8 ? 'RUB' : currencyRoll < 0.9 ? 'USD' : 'EUR',
        status,
        createdAt: fromDay(created),
        closedAt: status === 'open' ? null : fromDay(Math.min(end, created + Math.floor(random() * 90))),
        pipelineId: '0',
        ownerId: String(1 + (i % 50)),
      };
    }),
  };
}

function measureOne(deals: number, accounts: number): Record<string, number> {
  const input = generatePortfolio(deals, accounts);
  const t0 = performance.now();
  const parsed = parseSnapshot(input);
  if (!parsed.ok) throw parsed.error;
  const t1 = performance.now();
  const result = evaluatePortfolio(parsed.value, DEFAULT_CRITERIA, { lang: 'en' });
  const t2 = performance.now();
  const json = JSON.stringify(result);
  const t3 = performance.now();
  return {
    deals,
    accounts,
    parseMs: Math.round(t1 - t0),
    evaluateMs: Math.round(t2 - t1),
    stringifyMs: Math.round(t3 - t2),
    totalMs: Math.round(t3 - t0),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    outputMb: Math.round(json.length / 1e5) / 10,
  };
}

function option(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : Number(args[at + 1]);
}

export async function run(args: string[]): Promise<void> {
  const deals = option(args, '--deals');
  if (deals !== undefined) {
    const figures = measureOne(deals, option(args, '--accounts') ?? Math.max(1, Math.round(deals / 5)));
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }
  process.stdout.write('deals      accounts  parse ms  evaluate ms  stringify ms  total ms  peak RSS MB  ms per 1k deals\n');
  for (const [n, accounts] of SIZES) {
    const child = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'bench.js'), 'engine', '--deals', String(n), '--accounts', String(accounts)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
    const line = child.stdout.trim().split('\n').pop() ?? '{}';
    const f = JSON.parse(line) as Record<string, number>;
    const cells = [f.deals, f.accounts, f.parseMs, f.evaluateMs, f.stringifyMs, f.totalMs, f.peakRssMb].map((v) => String(v));
    const widths = [10, 9, 9, 12, 13, 9, 12];
    const perK = ((f.totalMs ?? 0) / ((f.deals ?? 1) / 1000)).toFixed(2);
    process.stdout.write(`${cells.map((c, i) => c.padEnd(widths[i] ?? 8)).join(' ')} ${perK}\n`);
  }
}
