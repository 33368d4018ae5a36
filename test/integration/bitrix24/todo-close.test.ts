import { createBitrix24Writer } from '../../../src/connectors/bitrix24/bitrix24-writer';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { sandboxClient } from './sandbox-client';

/**
 * Real-portal 3 of issue 9: a to-do is completed the documented way (crm.activity.update with
 * COMPLETED = 'Y' and the required fields read back from the portal), and a refusal is reported
 * as failed (the ledger keeps it open and retries), never taken as closed.
 */
describe('Bitrix24 writer: completing to-dos', () => {
  let sandbox: RunningBitrix24Sandbox;
  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 10, contacts: 20, deals: 40, seed: 5 });
  });
  afterAll(() => sandbox.close());

  const writerOn = () => {
    const { client, meter } = sandboxClient(sandbox);
    return { writer: createBitrix24Writer({ client, tierField: 'UF_CRM_KAM_TIER', scoreField: 'UF_CRM_KAM_SCORE', tierItemIds: {} }), meter, client };
  };
  const completed = (id: string) => sandbox.state().activities.find((activity) => String(activity.id) === id)?.completed;

  it('completes open to-dos with the documented required fields, takes an already completed or deleted one as closed, 2 requests', async () => {
    const { writer, meter, client } = writerOn();
    const created = await writer.createTodos(['a', 'b', 'c'].map((key) => ({ dedupKey: key, accountId: '1', ownerId: '2', title: key, description: key, dueDate: '2026-12-01' })));
    const ids = Object.fromEntries(created.done.map((item) => [item.dedupKey, item.crmTaskId]));
    const owner = { OWNER_ID: 1, OWNER_TYPE_ID: 4, TYPE_ID: 6, RESPONSIBLE_ID: 2 };
    await client.call('crm.activity.update', { id: ids.b, fields: { ...owner, COMPLETED: 'Y' } }); // a user closed it
    await client.call('crm.activity.delete', { id: ids.c }); // a user deleted it
    const before = meter.snapshot().requests;

    const closed = await writer.closeTodos(['a', 'b', 'c'].map((key) => ({ dedupKey: key, crmTaskId: String(ids[key]) })));
    expect(closed).toEqual({ done: expect.arrayContaining(['a', 'b', 'c']), failed: [], unknown: [] });
    expect(completed(String(ids.a))).toBe(true);
    expect(meter.snapshot().requests - before).toBe(2);
  });

  it('reports a refused completion as failed and leaves the to-do open; it closes on a later run', async () => {
    const { writer } = writerOn();
    const created = await writer.createTodos([{ dedupKey: 'r', accountId: '1', ownerId: '2', title: 'r', description: 'r', dueDate: '2026-12-01' }]);
    const id = String(created.done[0]?.crmTaskId);
    await fetch(`${sandbox.url}/_sandbox/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ todoCompletion: 'refuse' }) });

    const refused = await writer.closeTodos([{ dedupKey: 'r', crmTaskId: id }]);
    expect(refused.done).toEqual([]);
    expect(refused.failed).toEqual([{ key: 'r', reason: expect.stringContaining('Use crm.activity.configurable.update') }]);
    expect(completed(id)).toBe(false);

    await fetch(`${sandbox.url}/_sandbox/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ todoCompletion: 'documented' }) });
    const later = await writer.closeTodos([{ dedupKey: 'r', crmTaskId: id }]);
    expect(later).toEqual({ done: ['r'], failed: [], unknown: [] });
    expect(completed(id)).toBe(true);
  });
});
