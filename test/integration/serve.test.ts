import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { loadConfig } from '../../src/config';
import { createSilentLogger } from '../../src/logging/logger';
import { createRuntime, startServer } from '../../src/main';

/** `kam serve` with no configuration: creates ./data, answers /health; a wrong key and a bad config are refused clearly. */
jest.setTimeout(60_000);

const BIN = resolve(__dirname, '../../bin/kam.js');
const configIn = (dir: string, env: Record<string, string> = {}) => {
  const loaded = loadConfig({ env: { KAM_DATA_DIR: join(dir, 'data'), ...env }, envFile: null });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
};

it('starts with defaults, creates the data folder and key file, and reports health', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-serve-'));
  const runtime = await createRuntime(configIn(dir), createSilentLogger());
  const server = await startServer(runtime, { port: 0 });
  try {
    const health = await axios.get(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok', version: expect.any(String), storage: { engine: 'sqlite', migrationsCurrent: true, pendingMigrations: [] } });
    expect(existsSync(join(dir, 'data', 'kam.sqlite'))).toBe(true);
    expect(statSync(join(dir, 'data', 'secret.key')).mode & 0o777).toBe(0o600);
    // Bitrix24 is not configured here: its routes say so instead of pretending.
    const install = await axios.post(`${server.url}/bitrix24/events`, 'event=x', { validateStatus: () => true });
    expect(install.status).toBe(503);
  } finally {
    await server.close();
    await runtime.close();
  }
});

it('refuses to start with another encryption key than the database was made with', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-serve-'));
  const first = await createRuntime(configIn(dir, { KAM_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') }), createSilentLogger());
  await first.close();
  await expect(createRuntime(configIn(dir, { KAM_ENCRYPTION_KEY: Buffer.alloc(32, 2).toString('base64') }), createSilentLogger())).rejects.toMatchObject({
    code: 'ENCRYPTION_KEY_MISMATCH',
    message: expect.stringMatching(/encryption key/i),
  });
});

it('kam serve with two bad settings exits non-zero and names both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-serve-'));
  const run = spawnSync(process.execPath, [BIN, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', KAM_PORT: 'eighty', KAM_LOG_LEVEL: 'loud' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('KAM_PORT');
  expect(run.stderr).toContain('KAM_LOG_LEVEL');
  expect(run.stdout).toBe('');
  expect(existsSync(join(dir, 'data'))).toBe(false);
});
