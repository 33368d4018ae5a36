import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `kam serve` loads no sandbox code and no faker (DESIGN.md: the emulators are loaded only by
 * `kam sandbox` and `kam demo`). The server really starts, with Bitrix24 configured so its
 * connector is loaded, and the probe lists every module in require.cache once it listens.
 */
jest.setTimeout(60_000);

const PROBE = resolve(__dirname, 'fixtures/serve-probe.js');

it('starts kam serve without loading src/sandbox or @faker-js', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-serve-probe-'));
  const child = spawn(process.execPath, [PROBE], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', KAM_DATA_DIR: join(dir, 'data'), KAM_LOG_LEVEL: 'error', BITRIX24_CLIENT_ID: 'probe.app', BITRIX24_CLIENT_SECRET: 'probe-secret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  const line = stdout.split('\n').find((row) => row.startsWith('{"probe"'));
  if (!line) throw new Error(`kam serve did not start: ${stderr || stdout}`);
  const { loaded } = JSON.parse(line) as { loaded: string[] };
  expect(code).toBe(0);
  // The probe sees the real server's modules (so an empty match below means something).
  expect(loaded).toEqual(expect.arrayContaining(['src/main.ts', 'src/http/bitrix24.routes.ts', 'src/connectors/bitrix24/bitrix24-crm.ts']));
  expect(loaded.filter((file) => file.startsWith('src/sandbox/') || file.includes('@faker-js'))).toEqual([]);
});
