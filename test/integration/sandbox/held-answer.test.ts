import type { RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { startBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { holdingAnswers } from '../../../src/sandbox/demo/held-answer';
import { apiClient, startTiny } from './amocrm-helpers';

/**
 * `kam demo --kill-worker-at`: a request whose answer the demo holds is served at once (the CRM
 * applies and counts it, as it does a request whose client then dies) and answered only once the
 * demo's promise settles; every other request is served as usual.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Holds the answer of the next request after `holdNext()`, until the promise it returns is let go. */
function nextAnswerHeld() {
  let until: Promise<void> | null = null;
  let asked!: () => void;
  const seen = new Promise<void>((done) => (asked = done));
  return {
    beforeServe: holdingAnswers(async () => {
      const held = until;
      until = null;
      if (!held) return null;
      asked();
      return { until: held };
    }),
    holdNext(): { asked: Promise<void>; release: () => void } {
      let release!: () => void;
      until = new Promise<void>((done) => (release = done));
      return { asked: seen, release };
    },
  };
}

describe('Bitrix24', () => {
  const gate = nextAnswerHeld();
  let sandbox: RunningBitrix24Sandbox;
  const call = async (method: string, params: Json = {}): Promise<Json> => {
    const res = await fetch(`${sandbox.url}/rest/${method}.json`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: String(sandbox.readyLine.accessToken) }),
    });
    return (await res.json()) as Json;
  };
  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 5, contacts: 5, deals: 5, seed: 3, anchorDate: '2025-06-30', beforeServe: gate.beforeServe });
  });
  afterAll(() => sandbox.close());

  it('applies a held request at once and answers it only when the demo lets it go', async () => {
    const { asked, release } = gate.holdNext();
    let answered = false;
    const update = call('crm.company.update', { id: 2, fields: { TITLE: 'Held answer' } }).then((body) => {
      answered = true;
      return body;
    });
    await asked;
    // The portal has the change while its answer waits: read it back until it shows (requests pass the gate as usual).
    while ((await call('crm.company.get', { id: 2 })).result.TITLE !== 'Held answer');
    expect(answered).toBe(false);
    release();
    expect((await update).result).toBe(true);
  });
});

describe('amoCRM', () => {
  const gate = nextAnswerHeld();
  let sandbox: RunningAmoCrmSandbox;
  beforeAll(async () => {
    sandbox = await startTiny({ beforeServe: gate.beforeServe });
  });
  afterAll(() => sandbox.close());
  const patches = async () => ((await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { byMethod: Record<string, number> }).byMethod['PATCH /api/v4/companies'];

  it('counts a held request whose client is gone before the answer, once', async () => {
    const api = apiClient(sandbox);
    const { asked, release } = gate.holdNext();
    const client = new AbortController();
    const patch = fetch(`${sandbox.url}/api/v4/companies`, {
      method: 'PATCH', signal: client.signal,
      headers: { authorization: `Bearer ${String(sandbox.readyLine['accessToken'])}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 2, name: 'Held answer' }]),
    }).catch((error: unknown) => error);
    await asked;
    while (((await (await api.send('GET', '/api/v4/companies/2', undefined)).json()) as { name: string }).name !== 'Held answer');
    // The worker dies with its request on the wire: the account received it and counts it.
    client.abort();
    await patch;
    while ((await patches()) !== 1);
    release();
    // The held answer, sent to nobody, is not counted again.
    await api.send('GET', '/api/v4/companies/2', undefined);
    expect(await patches()).toBe(1);
  });
});
