import os from 'node:os';

/**
 * What the CRM benchmarks share: their flag reader (portfolio size, seed, the `--changes` list of
 * incremental passes) and their printing helpers, so the Bitrix24 and amoCRM benches read alike.
 */
export interface PortfolioFlags {
  companies: number;
  contacts: number;
  deals: number;
  seed: number;
  /** One incremental pass per entry, after that many simulated deal edits. */
  changes: number[];
}

export function flagReader(args: string[]) {
  const value = (name: string): string | undefined => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? undefined : args[index + 1];
  };
  const int = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} wants a whole number, got ${raw}`);
    return n;
  };
  return { value, int };
}

export function portfolioFlags(args: string[]): PortfolioFlags {
  const { value, int } = flagReader(args);
  const changesRaw = value('changes') ?? '0,100,0';
  const changes = changesRaw.split(',').filter((part) => part !== '').map(Number);
  if (changes.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--changes wants a list like 0,100,0, got ${changesRaw}`);
  return { companies: int('companies', 20_000), contacts: int('contacts', 40_000), deals: int('deals', 100_000), seed: int('seed', 11), changes };
}

export const sum = (record: Record<string, number>): number => Object.values(record).reduce((a, b) => a + b, 0);
export const fmt = (n: number): string => n.toLocaleString('en-US');
export const load = (): string => os.loadavg().map((n) => n.toFixed(2)).join(' ');
export const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
/** A progress line on stderr, stamped with the bench's name and the time. */
export const noter =
  (bench: string) =>
  (line: string): void => {
    process.stderr.write(`[${bench} bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  };
export const compact = (record: Record<string, number>): string =>
  Object.entries(record).map(([key, n]) => `${key} ${n}`).join(', ') || '-';

export interface EventLoopFigures {
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

/** A served process's event-loop delay since `sinceMs`, from its /health (the figures a caller on the same machine gets). */
export async function eventLoopSince(url: string, sinceMs: number): Promise<EventLoopFigures> {
  const response = await fetch(`${url}/health?eventLoopSince=${sinceMs}`);
  const body = (await response.json()) as { eventLoop?: { seconds: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } };
  const figures = body.eventLoop;
  if (!figures) throw new Error('the served process reports no event-loop delay on /health');
  return { seconds: figures.seconds, p50: figures.p50Ms ?? NaN, p99: figures.p99Ms ?? NaN, max: figures.maxMs ?? NaN };
}
