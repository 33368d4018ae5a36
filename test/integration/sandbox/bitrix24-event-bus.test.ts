import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'qs';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';

/**
 * The sandbox portal delivers events from a queue with a bounded number of deliveries in flight
 * (a real portal's event queue is worked by a few workers; unbounded, a burst of changes opened one
 * connection per change and the app's echo requests timed out).
 */
interface HeldRequest {
  id: string;
  release(): void;
}

/** An event handler that holds every request until the test releases it, and says when one arrives. */
async function startHoldingReceiver() {
  const held: HeldRequest[] = [];
  let waiter: { count: number; resolve: () => void } | null = null;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = parse(body) as { data?: { FIELDS?: { ID?: string } } };
      held.push({ id: form.data?.FIELDS?.ID ?? '', release: () => res.end('ok') });
      if (waiter && held.length >= waiter.count) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    held,
    /** Resolves once `count` requests have arrived in all. */
    arrived: (count: number) => new Promise<void>((resolve) => {
      if (held.length >= count) resolve();
      else waiter = { count, resolve };
    }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('Bitrix24 sandbox event bus', () => {
  let sandbox: RunningBitrix24Sandbox;
  let receiver: Awaited<ReturnType<typeof startHoldingReceiver>>;

  beforeAll(async () => {
    sandbox = await startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 5, contacts: 5, deals: 20, seed: 4, eventConcurrency: 2 });
    receiver = await startHoldingReceiver();
    // As after an install that bound one handler (event.bind); the install itself is covered in bitrix24-rest.test.ts.
    sandbox.runtime.state.app.installed = true;
    sandbox.runtime.state.eventBindings.push({ event: 'ONCRMDEALUPDATE', handler: receiver.url, authType: 0, offline: false, id: 1 });
  });

  afterAll(async () => {
    for (const request of receiver.held) request.release();
    await sandbox.close();
    await receiver.close();
  });

  it('keeps at most `eventConcurrency` deliveries in flight and sends the rest, in order, as slots free up', async () => {
    const events = sandbox.runtime.events;
    for (let id = 1; id <= 6; id += 1) events.entityChanged('ONCRMDEALUPDATE', id, 1);

    await receiver.arrived(2);
    expect(events.backlog()).toEqual({ sending: 2, waiting: 4 });
    expect(receiver.held.map((request) => request.id)).toEqual(['1', '2']);

    receiver.held[0]?.release();
    await receiver.arrived(3);
    expect(events.backlog()).toEqual({ sending: 2, waiting: 3 });

    // Release whatever arrives until all six are through.
    let released = 1;
    while (released < 6) {
      await receiver.arrived(released + 1);
      for (const request of receiver.held.slice(released)) request.release();
      released = receiver.held.length;
    }
    await sandbox.eventsIdle();
    expect(receiver.held.map((request) => request.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(events.backlog()).toEqual({ sending: 0, waiting: 0 });
    expect(events.deliveries().filter((delivery) => delivery.status === 200)).toHaveLength(6);
  });
});
