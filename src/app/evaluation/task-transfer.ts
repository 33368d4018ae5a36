import { deserialize, serialize } from 'node:v8';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EvaluationTask, EvaluationWork } from './evaluate-portfolio-task';

/**
 * How an evaluation crosses to its worker thread and back without holding the main thread's event
 * loop. Handed over whole, a 20,000-deal snapshot is one structured clone (~40 ms serialised on
 * the main thread) and the evaluation of 2,000 accounts another (~100 ms deserialised there), each
 * in one piece while every event's ack waits (issue 9, "event bursts"). Instead, the long lists
 * (deals, accounts, the evaluated accounts, the plan's intents) travel as packs: each a slice
 * serialised with v8.serialize, the structured-clone format itself, so what arrives is exactly what
 * a structured clone gives (undefined, NaN, nested objects alike); byte buffers then cross for the
 * cost of a copy. The main thread packs and unpacks a slice per turn of its event loop; the worker
 * does its side in one go.
 */
type Pack = Uint8Array;

/** Slice sizes: each slice a few milliseconds of (de)serialisation at most (`npm run bench -- events`). */
const DEALS_PER_PACK = 1_000;
const ACCOUNTS_PER_PACK = 200;
const RESULTS_PER_PACK = 50;
const INTENTS_PER_PACK = 500;

/** The task with its snapshot's accounts and deals emptied (their keys kept in place) and packed beside. */
export interface PackedTask {
  task: EvaluationTask;
  accounts: Pack[];
  deals: Pack[];
}

/** The work with the evaluated accounts and the plan's lists emptied (keys kept in place) and packed beside. */
export interface PackedWork {
  evaluation: EvaluationWork['evaluation'];
  accounts: Pack[];
  plan: { create: Pack[]; close: Pack[]; skipped: Pack[] };
}

async function packAsync<T>(items: readonly T[], per: number): Promise<Pack[]> {
  const packs: Pack[] = [];
  for (let i = 0; i < items.length; i += per) {
    if (i > 0) await nextTurn();
    packs.push(serialize(items.slice(i, i + per)));
  }
  return packs;
}

async function unpackAsync<T>(packs: readonly Pack[]): Promise<T[]> {
  const items: T[] = [];
  for (const [index, pack] of packs.entries()) {
    if (index > 0) await nextTurn();
    for (const item of deserialize(pack) as T[]) items.push(item);
  }
  return items;
}

function packSync<T>(items: readonly T[], per: number): Pack[] {
  const packs: Pack[] = [];
  for (let i = 0; i < items.length; i += per) packs.push(serialize(items.slice(i, i + per)));
  return packs;
}

const unpackSync = <T>(packs: readonly Pack[]): T[] => packs.flatMap((pack) => deserialize(pack) as T[]);

/** Main thread: the task, its long lists packed a slice per turn. */
export async function packTask(task: EvaluationTask): Promise<PackedTask> {
  const { accounts, deals } = task.snapshot;
  return {
    task: { ...task, snapshot: { ...task.snapshot, accounts: [], deals: [] } },
    accounts: await packAsync(accounts, ACCOUNTS_PER_PACK),
    deals: await packAsync(deals, DEALS_PER_PACK),
  };
}

/** Worker: the task as it was given. */
export function unpackTask(packed: PackedTask): EvaluationTask {
  // Assigned into the emptied keys, so every object keeps its key order.
  const task = packed.task;
  task.snapshot.accounts = unpackSync(packed.accounts);
  task.snapshot.deals = unpackSync(packed.deals);
  return task;
}

/** Worker: the work, its long lists packed. */
export function packWork(work: EvaluationWork): PackedWork {
  return {
    evaluation: { ...work.evaluation, accounts: [] },
    accounts: packSync(work.evaluation.accounts, RESULTS_PER_PACK),
    plan: { create: packSync(work.plan.create, INTENTS_PER_PACK), close: packSync(work.plan.close, INTENTS_PER_PACK), skipped: packSync(work.plan.skipped, INTENTS_PER_PACK) },
  };
}

/** Main thread: the work as the worker made it, unpacked a slice per turn. */
export async function unpackWork(packed: PackedWork): Promise<EvaluationWork> {
  const evaluation = packed.evaluation;
  evaluation.accounts = await unpackAsync(packed.accounts);
  return {
    evaluation,
    plan: { create: await unpackAsync(packed.plan.create), close: await unpackAsync(packed.plan.close), skipped: await unpackAsync(packed.plan.skipped) },
  };
}
