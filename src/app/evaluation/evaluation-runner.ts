import os from 'node:os';
import { extname, join } from 'node:path';
import { Piscina } from 'piscina';
import type { Result } from '../../core/errors';
import { evaluatePortfolioTask, toKamError, type EvaluationTask, type EvaluationWork, type PlainKamError } from './evaluate-portfolio-task';
import { packTask, unpackWork, type PackedTask, type PackedWork } from './task-transfer';

/**
 * Where an evaluation's CPU work runs. On a 20,000-deal portal the engine and the planner take
 * 0.5-2 s of pure computation; run inline in the process that answers HTTP, every event arriving
 * meanwhile waits that long for its 2xx (issue 9, "event bursts"). The worker runner moves that
 * work to a pool of worker threads (piscina), so the event loop keeps answering; what crosses is
 * the snapshot, the ledger and the configs in, the evaluation and the plan out, their long lists in
 * packs the main thread makes and reads a slice per turn (task-transfer.ts; measured by
 * `npm run bench -- events`).
 */
export interface EvaluationRunner {
  run(task: EvaluationTask): Promise<EvaluationWork>;
  close(): Promise<void>;
}

/** Same thread: for callers that answer nothing meanwhile (CLI reports, tests of the use case). */
export const inlineEvaluationRunner: EvaluationRunner = {
  run: (task) => Promise.resolve().then(() => evaluatePortfolioTask(task)),
  close: () => Promise.resolve(),
};

/** Idle worker threads stop after this; the next evaluation starts one again. */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * The worker thread loads `evaluate.worker` next to this file: compiled JS under `dist` (`npm run
 * build`, `node dist/cli.js serve`), TypeScript when running from the sources (tsx, jest, benches).
 * A worker thread does not inherit an in-process loader (bin/kam.js and jest's swc transform both
 * live in the parent), so from the sources the worker is started with tsx's CommonJS hook preloaded
 * (`--require tsx/cjs`; tsx is a development dependency, present wherever the sources run).
 */
export function createWorkerEvaluationRunner(options: { threads?: number } = {}): EvaluationRunner {
  const fromSources = extname(__filename) === '.ts';
  const pool = new Piscina<PackedTask, Result<PackedWork, PlainKamError>>({
    filename: join(__dirname, `evaluate.worker${extname(__filename)}`),
    minThreads: 0,
    maxThreads: options.threads ?? Math.max(1, os.availableParallelism() - 1),
    idleTimeout: IDLE_TIMEOUT_MS,
    execArgv: fromSources ? [...process.execArgv, '--require', require.resolve('tsx/cjs')] : process.execArgv,
  });
  return {
    async run(task) {
      const result = await pool.run(await packTask(task));
      if (!result.ok) throw toKamError(result.error);
      return unpackWork(result.value);
    },
    close: () => pool.destroy(),
  };
}
