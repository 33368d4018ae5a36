import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES } from '../../../src/core/engine';
import { isKamError } from '../../../src/core/errors';
import type { PortfolioSnapshot } from '../../../src/core/model/snapshot';
import type { EvaluationTask } from '../../../src/app/evaluation/evaluate-portfolio-task';
import { createWorkerEvaluationRunner, inlineEvaluationRunner, type EvaluationRunner } from '../../../src/app/evaluation/evaluation-runner';

/**
 * Issue 9, "event bursts": an evaluation must not hold up the event loop of the process that
 * answers HTTP. Asserted by order of events, not by durations.
 */
const AS_OF = '2026-10-31';

function portfolio(accounts: number, dealsPerAccount: number): PortfolioSnapshot {
  const snapshot: PortfolioSnapshot = { baseCurrency: 'RUB', asOf: AS_OF, fxRates: [{ currency: 'USD', date: '2024-01-01', rate: 90 }], accounts: [], deals: [] };
  for (let a = 0; a < accounts; a += 1) {
    snapshot.accounts.push({ id: `c${a}`, name: `Company ${a}`, industry: 'RETAIL', ownerId: String(1 + (a % 20)), fields: { potential3y: (a % 97) * 1_000_000 } });
    for (let d = 0; d < dealsPerAccount; d += 1) {
      const day = 1 + ((a * 7 + d * 13) % 28);
      const month = 1 + ((a + d) % 12);
      const status = d % 5 === 0 ? 'open' : d % 5 === 1 ? 'lost' : 'won';
      const date = `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      snapshot.deals.push({
        id: `d${a}-${d}`, accountId: `c${a}`, amount: 10_000 + ((a * 31 + d * 17) % 500) * 1000, currency: d % 4 === 0 ? 'USD' : 'RUB',
        status, createdAt: date, closedAt: status === 'open' ? null : date, pipelineId: '0', ownerId: '1',
      });
    }
  }
  return snapshot;
}

const task = (snapshot: PortfolioSnapshot): EvaluationTask => ({
  snapshot, criteria: DEFAULT_CRITERIA, rules: DEFAULT_NEXT_STEP_RULES, ledger: [], asOf: AS_OF, lang: 'ru', tierLabels: {},
});

describe('evaluation runner on worker threads', () => {
  let runner: EvaluationRunner;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    runner = createWorkerEvaluationRunner({ threads: 1 });
    server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await runner.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers an HTTP request on the same process while a large evaluation runs', async () => {
    const order: string[] = [];
    const evaluation = runner.run(task(portfolio(2_000, 10))).then((work) => {
      order.push('evaluation');
      return work;
    });
    const answer = await fetch(url).then((response) => response.text());
    order.push('http');
    const work = await evaluation;
    expect(answer).toBe('pong');
    expect(order).toEqual(['http', 'evaluation']);
    expect(work.evaluation.accounts).toHaveLength(2_000);
  });

  it('the same run inline holds up the event loop until it is done (what the worker avoids)', async () => {
    const order: string[] = [];
    const evaluation = inlineEvaluationRunner.run(task(portfolio(200, 5))).then(() => order.push('evaluation'));
    await new Promise<void>((resolve) => setImmediate(() => {
      order.push('turn');
      resolve();
    }));
    await evaluation;
    expect(order).toEqual(['evaluation', 'turn']);
  });

  it('gives the same evaluation and plan as the inline run', async () => {
    const input = task(portfolio(300, 6));
    const [threaded, inline] = await Promise.all([runner.run(input), inlineEvaluationRunner.run(input)]);
    expect(threaded).toEqual(inline);
    expect(JSON.stringify(threaded)).toBe(JSON.stringify(inline));
    expect(threaded.plan.create.length + threaded.plan.skipped.length).toBeGreaterThan(0);
  });

  it("brings the engine's refusal back as a KamError with its code", async () => {
    const bad = { ...task(portfolio(3, 2)), asOf: '31.10.2026' };
    const refused = await runner.run(bad).catch((error: unknown) => error);
    expect(isKamError(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'INPUT_INVALID', status: 400, message: expect.stringContaining('31.10.2026') });
  });
});
