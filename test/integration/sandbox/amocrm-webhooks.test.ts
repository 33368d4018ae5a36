import { readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import qs from 'qs';
import { apiClient, startReceiver, startTiny } from './amocrm-helpers';
import type { ApiClient, Receiver } from './amocrm-helpers';

/**
 * The sample payloads in webhooks/amocrm/ are what this sandbox sends; this suite replays the
 * same steps and checks the bodies match them field for field (run with
 * AMOCRM_WEBHOOK_SAMPLES=write to regenerate them after a deliberate change).
 */
const SAMPLES_DIR = join(__dirname, '../../../webhooks/amocrm');
const SAMPLE_HOST = 'http://127.0.0.1:40123';
const FIXED_NOW = Date.parse('2026-06-30T10:00:00Z');

const normalise = (body: string, sandboxUrl: string): string => body.split(encodeURIComponent(sandboxUrl)).join(encodeURIComponent(SAMPLE_HOST));

async function subscribe(api: ApiClient, destination: string, settings: string[]): Promise<Response> {
  return api.send('POST', '/api/v4/webhooks', { destination, settings, sort: 10 });
}

describe('amoCRM sandbox webhooks', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respondWith((res) => res.end('ok'));
  });

  it('sends the legacy form-encoded payloads of webhooks/amocrm/ samples', async () => {
    const sandbox = await startTiny({ now: () => FIXED_NOW });
    try {
      const api = apiClient(sandbox);
      expect((await subscribe(api, `${receiver.url}/hooks/amocrm`, ['update_lead', 'status_lead', 'update_company', 'add_contact'])).status).toBe(200);
      await api.send('PATCH', '/api/v4/leads', [{ id: 2, status_id: 40002, price: 550_000 }]);
      await sandbox.webhooksIdle();
      await api.send('PATCH', '/api/v4/companies', [{ id: 1, custom_fields_values: [{ field_code: 'KAM_SATISFACTION', values: [{ value: 9 }] }] }]);
      await sandbox.webhooksIdle();
      await api.send('POST', '/api/v4/contacts', [{ first_name: 'Мария', last_name: 'Сидорова', responsible_user_id: 2, _embedded: { companies: [{ id: 1 }] } }]);
      await sandbox.webhooksIdle();

      const names = ['lead-status-update', 'company-update', 'contact-add'];
      expect(receiver.requests).toHaveLength(names.length);
      for (const [i, name] of names.entries()) {
        const request = receiver.requests[i];
        expect(request?.method).toBe('POST');
        expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
        const body = normalise(request?.body ?? '', sandbox.url);
        if (process.env['AMOCRM_WEBHOOK_SAMPLES'] === 'write') {
          writeFileSync(join(SAMPLES_DIR, `${name}.txt`), `${body}\n`);
          writeFileSync(join(SAMPLES_DIR, `${name}.json`), `${JSON.stringify(qs.parse(body), null, 2)}\n`);
        }
        expect(body).toBe(readFileSync(join(SAMPLES_DIR, `${name}.txt`), 'utf8').trim());
        expect(qs.parse(body)).toEqual(JSON.parse(readFileSync(join(SAMPLES_DIR, `${name}.json`), 'utf8')));
      }
      const [status, company, contact] = receiver.requests.map((request) => new URLSearchParams(request.body));
      expect(status?.get('leads[update][0][id]')).toBe('2');
      expect(status?.get('leads[update][0][last_modified]')).toBe(String(FIXED_NOW / 1000));
      expect(status?.get('leads[update][0][price]')).toBe('550000');
      expect(status?.get('leads[status][0][status_id]')).toBe('40002');
      expect(status?.get('leads[status][0][old_status_id]')).toBe('40001');
      expect(status?.get('account[id]')).toBe(String(sandbox.readyLine['accountId']));
      expect(status?.get('account[subdomain]')).toBe(sandbox.readyLine['subdomain']);
      expect(status?.get('account[_links][self]')).toBe(sandbox.url);
      expect(company?.get('contacts[update][0][type]')).toBe('company');
      expect(contact?.get('contacts[add][0][id]')).toBe('2');
      expect(contact?.get('contacts[add][0][type]')).toBe('contact');
    } finally {
      await sandbox.close();
    }
  });

  it('delivers simulated user edits to matching destinations only', async () => {
    const sandbox = await startTiny();
    try {
      const api = apiClient(sandbox);
      await subscribe(api, `${receiver.url}/leads`, ['update_lead']);
      await subscribe(api, `${receiver.url}/contacts`, ['update_contact']);
      const mutate = await fetch(`${sandbox.url}/_sandbox/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 3, entity: 'contacts' }) });
      expect(((await mutate.json()) as { edits: unknown[] }).edits).toHaveLength(3);
      await sandbox.webhooksIdle();
      expect(receiver.requests.map((request) => request.url)).toEqual(['/contacts', '/contacts', '/contacts']);
      expect(new URLSearchParams(receiver.requests[0]?.body).get('contacts[update][0][id]')).toBe('1');

      const listed = (await (await api.get(`/api/v4/webhooks?filter[destination]=${encodeURIComponent(`${receiver.url}/leads`)}`)).json()) as { _embedded: { webhooks: Array<{ settings: string[] }> } };
      expect(listed._embedded.webhooks).toEqual([expect.objectContaining({ settings: ['update_lead'], disabled: false })]);
      expect((await api.send('DELETE', '/api/v4/webhooks', { destination: `${receiver.url}/leads` })).status).toBe(204);
      expect((await api.get(`/api/v4/webhooks?filter[destination]=${encodeURIComponent(`${receiver.url}/leads`)}`)).status).toBe(204);
    } finally {
      await sandbox.close();
    }
  });

  it('disables a destination after 100 failed deliveries, counting timeouts as failures', async () => {
    const sandbox = await startTiny({ webhookTimeoutMs: 200 });
    try {
      const api = apiClient(sandbox);
      await subscribe(api, `${receiver.url}/failing`, ['update_lead']);
      const hooks = async (): Promise<Array<{ disabled: boolean }>> =>
        ((await (await api.get('/api/v4/webhooks')).json()) as { _embedded: { webhooks: Array<{ disabled: boolean }> } })._embedded.webhooks;
      const mutate = (count: number): Promise<Response> =>
        fetch(`${sandbox.url}/_sandbox/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count, entity: 'leads' }) });

      // One timeout (the receiver never answers), then 98 HTTP 500s: 99 failures, still enabled.
      receiver.respondWith(() => undefined);
      await mutate(1);
      await sandbox.webhooksIdle();
      receiver.respondWith((res) => {
        res.statusCode = 500;
        res.end('boom');
      });
      await mutate(98);
      await sandbox.webhooksIdle();
      expect((await hooks())[0]?.disabled).toBe(false);
      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { webhooks: Array<{ failed: number }>; deliveries: Array<{ error?: string }> };
      expect(state.webhooks[0]?.failed).toBe(99);

      await mutate(1);
      await sandbox.webhooksIdle();
      expect((await hooks())[0]?.disabled).toBe(true);
      // Counted by the sandbox's own record of attempts: a request it gave up on (timed out) may
      // still reach the receiver later on a loaded machine, so the receiver's count is no measure.
      const attempts = async () => {
        const now = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { webhooks: Array<{ failed: number; delivered: number }> };
        return { failed: now.webhooks[0]?.failed, delivered: now.webhooks[0]?.delivered };
      };
      const disabledAt = await attempts();
      expect(disabledAt.failed).toBe(100);
      await mutate(5);
      await sandbox.webhooksIdle();
      expect(await attempts()).toEqual(disabledAt);

      // Subscribing the destination again is how an admin switches it back on.
      receiver.respondWith((res) => res.end('ok'));
      await subscribe(api, `${receiver.url}/failing`, ['update_lead']);
      expect((await hooks())[0]?.disabled).toBe(false);
    } finally {
      await sandbox.close();
    }
  });

  it('never lets a slow destination delay the API call', async () => {
    // The receiver holds the delivery open until the API call has answered: were the call to wait
    // for its webhook, neither would ever finish (the 60 s delivery timeout outlasts the test).
    const sandbox = await startTiny({ webhookTimeoutMs: 60_000 });
    try {
      const api = apiClient(sandbox);
      await subscribe(api, `${receiver.url}/slow`, ['update_lead']);
      let arrived: (res: ServerResponse) => void = () => undefined;
      const held = new Promise<ServerResponse>((resolve) => (arrived = resolve));
      // Only this test's destination is held; a late request of an earlier test is answered.
      receiver.respondWith((res, request) => (request.url === '/slow' ? arrived(res) : res.end('ok')));

      const response = await api.send('PATCH', '/api/v4/leads', [{ id: 2, price: 1 }]);
      expect(response.status).toBe(200);
      const delivery = await held;
      expect(delivery.writableEnded).toBe(false);
      expect(new URLSearchParams(receiver.requests.find((request) => request.url === '/slow')?.body).get('leads[update][0][price]')).toBe('1');

      delivery.end('ok');
      await sandbox.webhooksIdle();
      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as { webhooks: Array<{ delivered: number; failed: number }> };
      expect(state.webhooks[0]).toMatchObject({ delivered: 1, failed: 0 });
    } finally {
      await sandbox.close();
    }
  });
});
