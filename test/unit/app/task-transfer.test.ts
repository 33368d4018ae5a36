import { DEFAULT_CRITERIA, DEFAULT_NEXT_STEP_RULES } from '../../../src/core/engine';
import type { PortfolioSnapshot } from '../../../src/core/model/snapshot';
import { evaluatePortfolioTask, type EvaluationTask } from '../../../src/app/evaluation/evaluate-portfolio-task';
import { packTask, packWork, unpackTask, unpackWork } from '../../../src/app/evaluation/task-transfer';

/**
 * The evaluation's hand-off to its worker thread (issue 9, "event bursts"): what arrives is what a
 * structured clone gives, key order included, and the main thread's side lets its event loop turn
 * between slices. Asserted by values and by order of events.
 */
const AS_OF = '2026-10-31';

function task(accounts: number, dealsPerAccount: number): EvaluationTask {
  const snapshot: PortfolioSnapshot = { baseCurrency: 'RUB', asOf: AS_OF, fxRates: [{ currency: 'USD', date: '2024-01-01', rate: 90 }], accounts: [], deals: [] };
  for (let a = 0; a < accounts; a += 1) {
    snapshot.accounts.push({ id: `c${a}`, name: `Company ${a}`, industry: a % 3 === 0 ? null : 'RETAIL', ownerId: String(1 + (a % 20)), fields: { potential3y: (a % 97) * 1_000_000, odd: a % 2 === 0 ? undefined : Number.NaN } });
    for (let d = 0; d < dealsPerAccount; d += 1) {
      const status = d % 5 === 0 ? 'open' : d % 5 === 1 ? 'lost' : 'won';
      const date = `2025-${String(1 + ((a + d) % 12)).padStart(2, '0')}-${String(1 + ((a * 7 + d * 13) % 28)).padStart(2, '0')}`;
      snapshot.deals.push({
        id: `d${a}-${d}`, accountId: `c${a}`, amount: 10_000 + ((a * 31 + d * 17) % 500) * 1000, currency: d % 4 === 0 ? 'USD' : 'RUB',
        status, createdAt: date, closedAt: status === 'open' ? null : date, pipelineId: '0', ownerId: '1',
      });
    }
  }
  return { snapshot, criteria: DEFAULT_CRITERIA, rules: DEFAULT_NEXT_STEP_RULES, ledger: [], asOf: AS_OF, lang: 'ru', tierLabels: { A: { ru: 'А', en: 'A' } } };
}

/** Runs `work` and counts the turns of the event loop that happen before it resolves. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  running = false;
  return { value, turns };
}

it('gives the worker exactly the task a structured clone would, key order, undefined and NaN included', async () => {
  const input = task(450, 5);
  const packed = await packTask(input);
  expect(packed.accounts.length).toBeGreaterThan(1);
  const arrived = unpackTask(structuredClone(packed));
  expect(arrived).toStrictEqual(structuredClone(input));
  expect(JSON.stringify(arrived)).toBe(JSON.stringify(input));
  expect(Object.keys(arrived.snapshot.accounts[1]!.fields)).toEqual(['potential3y', 'odd']);
  expect(arrived.snapshot.accounts[1]!.fields.odd).toBeNaN();
});

it('brings back exactly the evaluation and plan the worker made', async () => {
  const work = evaluatePortfolioTask(task(450, 5));
  expect(work.plan.create.length + work.plan.skipped.length).toBeGreaterThan(0);
  const back = await unpackWork(structuredClone(packWork(work)));
  expect(back).toStrictEqual(structuredClone(work));
  expect(JSON.stringify(back)).toBe(JSON.stringify(work));
});

it("lets the main thread's event loop turn between the slices it packs and unpacks", async () => {
  const input = task(2_000, 10);
  const packing = await turnsDuring(() => packTask(input));
  // One turn at least between every two slices of accounts and of deals.
  expect(packing.turns).toBeGreaterThanOrEqual(packing.value.accounts.length - 1 + packing.value.deals.length - 1);
  const work = evaluatePortfolioTask(unpackTask(packing.value));
  const packedWork = packWork(work);
  const unpacking = await turnsDuring(() => unpackWork(packedWork));
  expect(unpacking.turns).toBeGreaterThanOrEqual(packedWork.accounts.length - 1);
  expect(unpacking.value.evaluation.accounts).toHaveLength(2_000);
});
