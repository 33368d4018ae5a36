import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { holdingAnswers } from '../../../src/sandbox/demo/held-answer';

/**
 * `kam demo --kill-worker-at`: a request whose answer the demo holds is served at once (the
 * portal applies and counts it, as a CRM does with a request whose client then dies) and
 * answered only once the demo's promise settles; every other request is served as usual.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: RunningBitrix24Sandbox;
let token: string;
let holdNext: Promise<void> | null = null;
let asked!: () => void;
const firstAsked = new Promise<void>((done) => (asked = done));

async function call(method: string, params: Json = {}): Promise<Json> {
  const res = await fetch(`${sandbox.url}/rest/${method}.json`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: token }),
  });
  return (await res.json()) as Json;
}

beforeAll(async () => {
  sandbox = await startBitrix24Sandbox({
    port: 0, rateLimit: false, companies: 5, contacts: 5, deals: 5, seed: 3, anchorDate: '2025-06-30',
    beforeServe: holdingAnswers(async () => {
      const until = holdNext;
      holdNext = null;
      if (!until) return null;
      asked();
      return { until };
    }),
  });
  token = String(sandbox.readyLine.accessToken);
});
afterAll(() => sandbox.close());

it('applies a held request at once and answers it only when the demo lets it go', async () => {
  let release!: () => void;
  holdNext = new Promise<void>((done) => (release = done));
  let answered = false;
  const update = call('crm.company.update', { id: 2, fields: { TITLE: 'Held answer' } }).then((body) => {
    answered = true;
    return body;
  });
  await firstAsked;
  // The portal has the change while its answer waits: read it back until it shows (requests pass the gate as usual).
  while ((await call('crm.company.get', { id: 2 })).result.TITLE !== 'Held answer');
  expect(answered).toBe(false);
  release();
  expect((await update).result).toBe(true);
});
