import { PassThrough } from 'node:stream';
import type { Request } from 'express';
import { createLogger } from '../../../src/logging/logger';
import { createRefusalLog, refusalTargetOf } from '../../../src/http/verify-inbound';

/** Issue 9, security 4: a flood of refused requests writes a bounded number of log lines, and says how many it left out. */
describe('refusal log', () => {
  const setup = () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const log = createLogger({ level: 'debug', format: 'json', stream });
    let clock = 1_000_000;
    const refusal = createRefusalLog({ perMinute: 3, now: () => clock });
    const request = (path: string, route: string | null = '/bitrix24/placement') => refusalTargetOf({ path, baseUrl: '', ...(route ? { route: { path: route } } : {}), log } as unknown as Request);
    const flushed = () => new Promise((resolve) => setImmediate(resolve));
    return { lines, refusal, request, flushed, advance: (ms: number) => (clock += ms) };
  };

  it('writes the first refusals of a minute per route and code, then one line with the count of the rest', async () => {
    const { lines, refusal, request, flushed, advance } = setup();
    for (let i = 0; i < 50; i += 1) refusal(request(`/bitrix24/placement`), { code: 'UNAUTHORIZED', message: 'bogus token' });
    // Another code on the same route has its own allowance.
    refusal(request('/bitrix24/placement'), { code: 'RATE_LIMITED', message: 'busy' });
    await flushed();
    expect(lines.map((line) => line.code)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED']);
    advance(60_000);
    refusal(request('/bitrix24/placement'), { code: 'UNAUTHORIZED', message: 'bogus token' });
    await flushed();
    expect(lines.slice(4)).toEqual([
      expect.objectContaining({ message: 'inbound request refused: more, not logged one by one', route: '/bitrix24/placement', code: 'UNAUTHORIZED', count: 47 }),
      expect.objectContaining({ message: 'inbound request refused', code: 'UNAUTHORIZED' }),
    ]);
  });

  it("keys on and logs the route pattern, not the client's path (it carries amoCRM's webhook secret)", async () => {
    const { lines, refusal, request, flushed } = setup();
    for (let i = 0; i < 10; i += 1) refusal(request(`/amocrm/webhooks/${i}/${'x'.repeat(1000)}`, '/amocrm/webhooks/:installationId/:secret'), { code: 'UNAUTHORIZED', message: 'Unknown installation' });
    await flushed();
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => [line.route, 'path' in line])).toEqual(Array(3).fill(['/amocrm/webhooks/:installationId/:secret', false]));
  });

  it('names a request no route matched by its path, cut', async () => {
    const { lines, refusal, request, flushed } = setup();
    refusal(request(`/${'y'.repeat(1000)}`, null), { code: 'entity.too.large', message: 'too large' });
    await flushed();
    expect(lines).toEqual([expect.objectContaining({ path: `/${'y'.repeat(199)}…`, code: 'entity.too.large' })]);
  });
});
