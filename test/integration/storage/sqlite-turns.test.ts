import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createStorage } from '../../../src/storage';
import { deal, snapshot } from '../../contract/storage/contract-context';

/**
 * Issue 9, "event bursts": on SQLite every statement runs synchronously on the thread that answers
 * HTTP, and every query of the process waits for the one connection. A pass's bulk writes (a synced
 * page of thousands of rows, an evaluation's snapshots) must let an HTTP request that reads the
 * database be answered between their pieces. Asserted by order of events, not by durations.
 */
describe('SQLite bulk writes let the event loop turn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-sqlite-turns-'));
  let storage: Storage;
  let installationId: string;
  let server: Server;
  let url: string;
  /** What the HTTP handler read from the store, per request. */
  let onRequest: () => Promise<string>;

  beforeAll(async () => {
    storage = await createStorage({ sqliteFile: join(dir, 'kam.sqlite'), encryptionKey: randomBytes(32) });
    installationId = (await storage.installations.upsert({ crm: 'bitrix24', externalId: 'turns', domain: 'turns.bitrix24.ru' })).id;
    server = createServer((_req, res) => void onRequest().then((body) => res.end(body)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a request that reads the store while a page of 3,000 deals is written, and the page ends whole', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => deal(String(100_000 + i)));
    onRequest = async () => String(await storage.entities.count(installationId, 'deal'));
    const order: string[] = [];
    const upsert = storage.entities.upsertMany(installationId, 'deal', rows).then((outcome) => {
      order.push('upsert');
      return outcome;
    });
    const seen = Number(await fetch(url).then((response) => response.text()));
    order.push('http');
    expect(await upsert).toEqual({ inserted: 3_000, updated: 0, unchanged: 0 });
    expect(order).toEqual(['http', 'upsert']);
    // The request was answered between two of the page's transactions: part of the page was stored.
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(3_000);
    expect(await storage.entities.count(installationId, 'deal')).toBe(3_000);
  });

  it("answers a request while an evaluation of 3,000 accounts is saved, which sees the date's old run or the new one, never a mix", async () => {
    const asOf = '2026-11-27';
    const old = await storage.evaluations.saveRun(
      { installationId, asOf, ruleVersion: 'v1', portfolio: {} },
      Array.from({ length: 3_000 }, (_, i) => snapshot(`a${i}`, asOf, 'B')),
    );
    onRequest = async () => {
      const run = await storage.evaluations.latestRun(installationId);
      const tiers = run ? new Set((await storage.evaluations.runAccounts(installationId, run.id)).map((account) => account.tier)) : new Set<string>();
      return JSON.stringify({ runId: run?.id, accounts: run?.accountCount, tiers: [...tiers] });
    };
    const order: string[] = [];
    const saving = storage.evaluations
      .saveRun({ installationId, asOf, ruleVersion: 'v2', portfolio: {} }, Array.from({ length: 3_000 }, (_, i) => snapshot(`a${i}`, asOf, 'A')))
      .then((run) => {
        order.push('save');
        return run;
      });
    const seen = (await fetch(url).then((response) => response.json())) as { runId: string; accounts: number; tiers: string[] };
    order.push('http');
    const saved = await saving;
    expect(order).toEqual(['http', 'save']);
    expect(seen).toEqual({ runId: old.id, accounts: 3_000, tiers: ['B'] });
    const after = await storage.evaluations.runAccounts(installationId, saved.id);
    expect(after).toHaveLength(3_000);
    expect(new Set(after.map((account) => account.tier))).toEqual(new Set(['A']));
    expect(await storage.evaluations.runAccounts(installationId, old.id)).toEqual([]);
  });
});
