import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { loadConfig } from '../../src/config';
import { createSilentLogger } from '../../src/logging/logger';
import { createRuntime, startServer } from '../../src/main';
import { company } from '../contract/storage/contract-context';

/**
 * The installer page polls its status link: any web process must accept a link another one
 * signed, and answer from the database, since a worker (not this process) runs the sync.
 */
it('a status link signed by one web process is accepted by another, which reads the progress from the database', async () => {
  const env = {
    KAM_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'kam-status-')), 'data'),
    KAM_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BITRIX24_CLIENT_ID: 'app',
    BITRIX24_CLIENT_SECRET: 'secret',
  };
  const loaded = loadConfig({ env, envFile: null });
  if (!loaded.ok) throw loaded.error;
  const [a, b] = [await createRuntime(loaded.value, createSilentLogger()), await createRuntime(loaded.value, createSilentLogger())];
  const server = await startServer(b, { port: 0 });
  try {
    expect(a.linkSecret.equals(b.linkSecret)).toBe(true);
    const installation = await a.storage.installations.upsert({ crm: 'bitrix24', externalId: 'member-1', domain: 'a.bitrix24.ru' });
    // What a worker's first sync leaves behind: companies done, contacts under way.
    await a.storage.entities.upsertMany(installation.id, 'company', [company('1'), company('2')]);
    const cursor = { installationId: installation.id, phase: 'full' as const, position: null, modifiedSince: null };
    await a.storage.syncState.saveCursor({ ...cursor, stream: 'company', fullCompletedAt: new Date().toISOString() });
    await a.storage.syncState.saveCursor({ ...cursor, stream: 'contact', fullCompletedAt: null });
    // Signed as the install page of process a signs it.
    const signature = createHmac('sha256', a.linkSecret).update(installation.id).digest('hex').slice(0, 32);
    const status = await axios.get(`${server.url}/bitrix24/install/status?i=${installation.id}&s=${signature}`);
    // Without a language: the server's default (ru).
    expect(status.data).toEqual({ progress: 1 / 3, done: false, text: 'Компании: 2 · Контакты: 0 · Сделки: 0', rows: 2 });
    // The installer page's link carries the portal's language (LANG), and the line is worded in it.
    const en = await axios.get(`${server.url}/bitrix24/install/status?i=${installation.id}&s=${signature}&LANG=en`);
    expect(en.data).toEqual({ progress: 1 / 3, done: false, text: 'Companies: 2 · Contacts: 0 · Deals: 0', rows: 2 });
    const forged = await axios.get(`${server.url}/bitrix24/install/status?i=${installation.id}&s=${'0'.repeat(32)}`, { validateStatus: () => true });
    expect(forged.status).toBe(401);
  } finally {
    await server.close();
    await a.close();
    await b.close();
  }
});
