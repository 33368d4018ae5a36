import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import express from 'express';
import { requestContext } from '../../../src/http/request-context';
import { createLogger } from '../../../src/logging/logger';

/**
 * The per-request logger is made only when a line is written, and the timing line only exists
 * at debug level; every request still has an id, echoed as X-Request-Id and carried by its lines.
 */
const serve = async (level: 'info' | 'debug') => {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  const waiting: Array<{ test: (line: Record<string, unknown>) => boolean; resolve: () => void }> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const wait of waiting.filter((candidate) => candidate.test(line))) wait.resolve();
    }
  });
  const logger = createLogger({ level, format: 'json', stream });
  const child = jest.spyOn(logger, 'child');
  const app = express();
  app.use(requestContext(logger));
  app.get('/quiet', (_req, res) => void res.json({ ok: true }));
  app.get('/loud', (req, res) => {
    req.log.warn('first');
    req.log.warn('second');
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lineWhere = (test: (line: Record<string, unknown>) => boolean) =>
    lines.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ test, resolve }));
  return { url, lines, child, lineWhere, close: () => new Promise((resolve) => server.close(resolve)) };
};

const withApp = async (level: 'info' | 'debug', use: (app: Awaited<ReturnType<typeof serve>>) => Promise<void>) => {
  const app = await serve(level);
  try {
    await use(app);
  } finally {
    await app.close();
  }
};

describe('requestContext', () => {
  it('gives each request an id and makes no logger for a request that writes no line', () =>
    withApp('info', async (app) => {
      const plain = await fetch(`${app.url}/quiet`);
      expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const given = await fetch(`${app.url}/quiet`, { headers: { 'X-Request-Id': 'trace-42' } });
      expect(given.headers.get('x-request-id')).toBe('trace-42');
      const refused = await fetch(`${app.url}/quiet`, { headers: { 'X-Request-Id': 'no spaces; allowed' } });
      expect(refused.headers.get('x-request-id')).not.toBe('no spaces; allowed');
      // A later request's line is written after anything the quiet ones wrote: none of theirs is there.
      await fetch(`${app.url}/loud`, { headers: { 'X-Request-Id': 'loud-1' } });
      await app.lineWhere((line) => line.message === 'second');
      expect(app.lines.map((line) => line.message)).toEqual(['first', 'second']);
      expect(app.child).toHaveBeenCalledTimes(1);
    }));

  it("writes a request's lines with its id, through one child logger", () =>
    withApp('info', async (app) => {
      await fetch(`${app.url}/loud`, { headers: { 'X-Request-Id': 'loud-2' } });
      await app.lineWhere((line) => line.message === 'second');
      expect(app.lines.map((line) => [line.message, line.requestId])).toEqual([['first', 'loud-2'], ['second', 'loud-2']]);
      expect(app.child).toHaveBeenCalledTimes(1);
    }));

  it('writes the timing line of every request at debug level', () =>
    withApp('debug', async (app) => {
      await fetch(`${app.url}/quiet`, { headers: { 'X-Request-Id': 'timed-1' } });
      await app.lineWhere((line) => line.message === 'http request');
      expect(app.lines[0]).toMatchObject({ message: 'http request', requestId: 'timed-1', method: 'GET', route: '/quiet', status: 200 });
      // The route pattern, never the client's path (amoCRM's webhook path carries its secret).
      expect(app.lines[0]).not.toHaveProperty('path');
    }));
});
