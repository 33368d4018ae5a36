import type { Request } from 'express';
import { inboundOf } from '../../../src/http/verify-inbound';

/** What a connector's check sees of a request: the source address is worked out only when read. */
describe('inboundOf', () => {
  const request = (ip: string | undefined) => {
    const reads = { ip: 0 };
    const req = {
      query: { a: '1', secret: 'from-query' },
      params: { secret: 'from-path' },
      body: { event: 'ONCRMDEALUPDATE' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      get ip() {
        reads.ip += 1;
        return ip;
      },
    } as unknown as Request;
    return { req, reads };
  };

  it('joins path parameters to the query (the path wins) and reads the address only when asked', () => {
    const { req, reads } = request('203.0.113.7');
    const inbound = inboundOf(req);
    expect(inbound.query).toEqual({ a: '1', secret: 'from-path' });
    expect(inbound.body).toEqual({ event: 'ONCRMDEALUPDATE' });
    expect(reads.ip).toBe(0);
    expect(inbound.source).toBe('203.0.113.7');
    expect(reads.ip).toBe(1);
  });

  it('has no source when Express knows no address, and an empty body for a body that is not an object', () => {
    const { req } = request(undefined);
    (req as { body: unknown }).body = 'text';
    const inbound = inboundOf(req);
    expect(inbound.source).toBeUndefined();
    expect(inbound.body).toEqual({});
  });
});
