import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DemoDriver } from '../../../src/app/demo/demo-driver';
import { runDemo } from '../../../src/app/demo/run-demo';
import { createLogger } from '../../../src/logging/logger';
import { amocrmDemoDriver } from '../../../src/sandbox/demo/amocrm.demo-driver';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';

/**
 * `kam demo --crm X` runs one CRM: its user has no other CRM to configure, so the runtime's "not
 * configured" warning about the other one (right for `kam serve`) is not theirs to see.
 */
jest.setTimeout(120_000);

function capture() {
  const lines: Array<{ level: string; message: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: string; message: string });
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', format: 'json', stream }) };
}

it.each<[string, DemoDriver, string]>([
  ['bitrix24', bitrix24DemoDriver as DemoDriver, 'amoCRM is not configured'],
  ['amocrm', amocrmDemoDriver as DemoDriver, 'Bitrix24 is not configured'],
])('the %s demo warns about no other CRM', async (_crm, driver, other) => {
  const { lines, logger } = capture();
  const demo = await runDemo({ driver, companies: 3, contacts: 3, deals: 6, seed: 5, passes: 1, changes: 0, dataDir: join(mkdtempSync(join(tmpdir(), 'kam-warn-')), 'data'), logger });
  await demo.close();
  expect(lines.some((line) => line.message === 'storage ready')).toBe(true);
  expect(lines.filter((line) => line.message.includes('is not configured'))).toEqual([]);
  expect(lines.map((line) => line.message)).not.toContainEqual(expect.stringContaining(other));
});
