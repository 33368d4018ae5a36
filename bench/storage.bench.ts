import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { SyncedDeal } from '../src/core/model/synced';
import type { Storage } from '../src/core/ports/storage.port';
import { createStorage } from '../src/storage';

/**
 * Entity upsert throughput: `npm run bench -- storage [--rows 100000] [--page 2500] [--engine sqlite|postgres]`.
 * PostgreSQL runs when TEST_DATABASE_URL (or DATABASE_URL) is set, in a throwaway schema.
 * SQLite runs on a temp file with the production pragmas (WAL, synchronous FULL).
 */
export async function run(args: string[]): Promise<void> {
  const rows = Number(option(args, '--rows') ?? 100_000);
  const page = Number(option(args, '--page') ?? 2_500);
  const engine = option(args, '--engine');
  const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

  if (!engine || engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kam-bench-'));
    try {
      await measure('sqlite (file, WAL)', () => createStorage({ sqliteFile: join(dir, 'kam.sqlite'), encryptionKey: randomBytes(32) }), rows, page);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!engine || engine === 'postgres') {
    if (!databaseUrl) {
      process.stdout.write('postgres: skipped (set TEST_DATABASE_URL)\n');
      return;
    }
    const schema = `kam_bench_${process.pid}`;
    try {
      await measure('postgres', () => createStorage({ databaseUrl, schema, encryptionKey: randomBytes(32) }), rows, page);
    } finally {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}

async function measure(label: string, open: () => Promise<Storage>, rows: number, page: number): Promise<void> {
  const storage = await open();
  try {
    const fresh = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'bench-1', domain: 'bench.bitrix24.com' });
    const paged = await storage.installations.upsert({ crm: 'bitrix24', externalId: 'bench-2', domain: 'bench.bitrix24.com' });
    const deals = makeDeals(rows, '2024-06-01T10:00:00Z');
    const newer = makeDeals(rows, '2024-07-01T10:00:00Z');

    report(label, `insert ${rows} in one call`, rows, await time(() => storage.entities.upsertMany(fresh.id, 'deal', deals)));
    report(label, `re-upsert ${rows} unchanged`, rows, await time(() => storage.entities.upsertMany(fresh.id, 'deal', deals)));
    report(label, `update ${rows} (newer modifiedAt)`, rows, await time(() => storage.entities.upsertMany(fresh.id, 'deal', newer)));
    const pagedMs = await time(async () => {
      for (let i = 0; i < rows; i += page) await storage.entities.upsertMany(paged.id, 'deal', deals.slice(i, i + page));
    });
    report(label, `insert ${rows} in calls of ${page}`, rows, pagedMs);
    let seen = 0;
    const iterateMs = await time(async () => {
      for await (const chunk of storage.entities.iterate(fresh.id, 'deal', 1000)) seen += chunk.length;
    });
    report(label, `iterate ${seen} (pages of 1000)`, seen, iterateMs);
  } finally {
    await storage.close();
  }
}

function makeDeals(count: number, modifiedAt: string): SyncedDeal[] {
  return Array.from({ length: count }, (_, i) => ({
    crmId: String(i + 1),
    title: `Deal ${i + 1}: annual contract`,
    companyId: String((i % 5000) + 1),
    contactId: String((i % 20000) + 1),
    amount: 1000 + (i % 997) * 13.5,
    currency: 'EUR',
    status: i % 3 === 0 ? 'won' : 'open',
    pipelineId: '0',
    stageId: i % 3 === 0 ? 'WON' : 'NEGOTIATION',
    ownerId: String((i % 40) + 1),
    createdAt: '2023-01-15T09:00:00+03:00',
    closedAt: i % 3 === 0 ? '2024-03-01T12:00:00+03:00' : null,
    modifiedAt,
  }));
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function report(label: string, what: string, rows: number, ms: number): void {
  process.stdout.write(`${label.padEnd(20)} ${what.padEnd(38)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${Math.round((rows / ms) * 1000).toLocaleString('en-US').padStart(9)} rows/s\n`);
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}
