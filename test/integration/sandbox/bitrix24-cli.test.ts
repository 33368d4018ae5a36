import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generatePortfolio } from '../../../src/sandbox/portfolio/generate';

/**
 * `kam sandbox bitrix24 --port 0 --companies 300 --deals 3000 --seed 7` as a user runs it:
 * the ready line, the official SDK listing exactly the seeded deals, the leaky bucket refusing
 * a burst, the same data for the same seed, and a clean stop on SIGTERM.
 */
const ROOT = join(__dirname, '../../..');
const run = promisify(execFile);
type Ready = Record<string, unknown> & { url: string; accessToken: string; seed: number; anchorDate: string };

function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; ready: Ready }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/kam.js'), 'sandbox', 'bitrix24', ...args], { cwd: ROOT });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline !== -1) resolve({ child, ready: JSON.parse(out.slice(0, newline)) as Ready });
    });
    child.once('exit', (code) => reject(new Error(`kam sandbox exited early with ${code}`)));
    setTimeout(() => reject(new Error('no ready line in 20 s')), 20_000).unref();
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('kam sandbox bitrix24', () => {
  let child: ChildProcessWithoutNullStreams;
  let ready: Ready;
  const args = ['--port', '0', '--companies', '300', '--deals', '3000', '--seed', '7', '--anchor', '2025-06-30'];

  beforeAll(async () => {
    ({ child, ready } = await startCli(args));
  });
  afterAll(async () => {
    if (child.exitCode === null) await stop(child);
  });

  it('prints one JSON ready line with everything a client needs', () => {
    expect(ready).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), clientEndpoint: `${ready.url}/rest/`, serverEndpoint: `${ready.url}/rest/`,
      clientId: expect.any(String), clientSecret: expect.any(String), accessToken: expect.any(String), refreshToken: expect.any(String),
      memberId: expect.any(String), applicationToken: expect.any(String), domain: expect.any(String),
      webhookUrl: expect.stringMatching(/\/rest\/1\/[0-9a-f]+\/$/), seed: 7, anchorDate: '2025-06-30',
      counts: { users: 5, companies: 300, contacts: 900, deals: 3000 },
    });
  });

  it('lets the official SDK list exactly the seeded deals, from the same seed', async () => {
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), [join(__dirname, 'bitrix24-sdk-scenarios.ts'), 'callList', JSON.stringify(ready)], { cwd: ROOT, timeout: 60_000 });
    const listed = JSON.parse(stdout.trim()) as { ids: number[]; amounts: number[] };
    const seeded = generatePortfolio({ seed: 7, companies: 300, contacts: 900, deals: 3000, anchorDate: '2025-06-30' });
    expect(listed.ids).toEqual(seeded.deals.map((deal) => deal.id));
    expect(listed.amounts).toEqual(seeded.deals.slice(0, 20).map((deal) => deal.amount));
  });

  it('answers a burst of 60 raw requests with 503 QUERY_LIMIT_EXCEEDED once the bucket is full', async () => {
    // Empty the bucket the SDK run above filled, and slow its drain so that how long the burst
    // takes on this machine cannot change how many requests fit: exactly the burst of 50.
    const limits = (body: object) => fetch(`${ready.url}/_sandbox/limits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const defaults = (await (await limits({ reset: true, drainPerSecond: 0.001 })).json()) as { burst: number };
    expect(defaults.burst).toBe(50);
    try {
      const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${ready.url}/rest/user.current?auth=${ready.accessToken}`)));
      const bodies = await Promise.all(answers.map((res) => res.json() as Promise<{ error?: string }>));
      expect(answers.filter((res) => res.status === 200)).toHaveLength(50);
      expect(answers.filter((res) => res.status === 503)).toHaveLength(10);
      expect(bodies.filter((body) => body.error === 'QUERY_LIMIT_EXCEEDED')).toHaveLength(10);
    } finally {
      await limits({ reset: true, drainPerSecond: 2 });
    }
  });

  it('serves the same data for the same seed in a second process', async () => {
    const second = await startCli(args);
    try {
      const page = async (url: string, token: string) =>
        (await (await fetch(`${url}/rest/crm.company.list?auth=${token}&order[ID]=ASC&select[]=TITLE&select[]=UF_*`)).json()) as { result: unknown };
      expect((await page(second.ready.url, second.ready.accessToken)).result).toEqual((await page(ready.url, ready.accessToken)).result);
    } finally {
      await stop(second.child);
    }
  });

  it('closes cleanly on SIGTERM', async () => {
    expect(await stop(child)).toBe(0);
  });
});
