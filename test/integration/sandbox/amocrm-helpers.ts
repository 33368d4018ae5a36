import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedPortfolio } from '../../../src/sandbox/portfolio/types';
import { startAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import type { AmoCrmSandboxOptions, RunningAmoCrmSandbox } from '../../../src/sandbox/amocrm';

/** A hand-made portfolio small enough to reason about in assertions. */
export function tinyPortfolio(): SeedPortfolio {
  return {
    seed: 42, anchorDate: '2026-06-30', baseCurrency: 'RUB',
    users: [
      { id: 1, firstName: 'Анна', lastName: 'Admin', email: 'anna@kam-demo.ru', active: true },
      { id: 2, firstName: 'Борис', lastName: 'Manager', email: 'boris@kam-demo.ru', active: true },
    ],
    companies: [
      { id: 1, title: 'ООО «Альфа»', industry: 'IT', ownerId: 2, createdAt: '2024-01-10T09:00:00Z', modifiedAt: '2026-05-01T10:00:00Z', potential3y: 12_000_000, margin: 0.22, satisfaction: 8, contractEnd: '2026-12-31', marketingCost: 150_000 },
      { id: 2, title: 'АО «Бета»', industry: 'MANUFACTURING', ownerId: 1, createdAt: '2024-02-10T09:00:00Z', modifiedAt: '2026-05-02T10:00:00Z', potential3y: 3_000_000, margin: 0.1, satisfaction: null, contractEnd: null, marketingCost: null },
    ],
    contacts: [
      { id: 1, companyId: 1, firstName: 'Иван', lastName: 'Петров', post: 'ИТ-директор', phone: '+79990000001', email: 'ivan@alfa.ru', ownerId: 2, createdAt: '2024-01-11T09:00:00Z', modifiedAt: '2026-04-01T10:00:00Z' },
    ],
    pipelines: [{
      id: 0, name: 'Продажи', stages: [
        { code: 'NEW', name: 'Новая', semantics: 'process', sort: 10 },
        { code: 'EXECUTING', name: 'В работе', semantics: 'process', sort: 20 },
        { code: 'WON', name: 'Сделка успешна', semantics: 'success', sort: 30 },
        { code: 'LOSE', name: 'Сделка провалена', semantics: 'failure', sort: 40 },
      ],
    }],
    deals: [
      { id: 1, title: 'Лицензии', companyId: 1, contactId: 1, pipelineId: 0, stageCode: 'WON', status: 'won', amount: 1000, currency: 'USD', ownerId: 2, createdAt: '2025-01-10T09:00:00Z', modifiedAt: '2025-02-01T09:00:00Z', closedAt: '2025-02-01T09:00:00Z' },
      { id: 2, title: 'Внедрение', companyId: 1, contactId: null, pipelineId: 0, stageCode: 'NEW', status: 'open', amount: 500_000, currency: 'RUB', ownerId: 2, createdAt: '2026-03-10T09:00:00Z', modifiedAt: '2026-03-11T09:00:00Z', closedAt: null },
      { id: 3, title: 'Поставка', companyId: 2, contactId: null, pipelineId: 0, stageCode: 'LOSE', status: 'lost', amount: 250_000, currency: 'RUB', ownerId: 1, createdAt: '2025-05-10T09:00:00Z', modifiedAt: '2025-06-01T09:00:00Z', closedAt: '2025-06-01T09:00:00Z' },
    ],
    fxRates: [
      { currency: 'USD', date: '2025-01-01', rate: 100 },
      { currency: 'USD', date: '2025-02-01', rate: 95.5 },
      { currency: 'EUR', date: '2025-01-01', rate: 105 },
    ],
  };
}

export async function startTiny(options: Partial<AmoCrmSandboxOptions> = {}): Promise<RunningAmoCrmSandbox> {
  return startAmoCrmSandbox({ port: 0, rateLimit: false, portfolio: tinyPortfolio(), ...options });
}

export interface ApiClient {
  get(path: string): Promise<Response>;
  send(method: string, path: string, body: unknown): Promise<Response>;
}

export function apiClient(sandbox: RunningAmoCrmSandbox, token = String(sandbox.readyLine['accessToken'])): ApiClient {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    get: (path) => fetch(path.startsWith('http') ? path : `${sandbox.url}${path}`, { headers }),
    send: (method, path, body) => fetch(`${sandbox.url}${path}`, { method, headers, body: JSON.stringify(body) }),
  };
}

export interface Receiver {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  /** Sets how the receiver answers from now on (the request is the one just recorded). */
  respondWith(handler: (res: ServerResponse, request: Receiver['requests'][number]) => void): void;
  close(): Promise<void>;
}

/** A local HTTP endpoint standing in for the app (webhook destination, redirect URI, hooks). */
export async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  let answer: Parameters<Receiver['respondWith']>[0] = (res) => {
    res.statusCode = 200;
    res.end('ok');
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      answer(res, request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    respondWith(handler) {
      answer = handler;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
