import type { Result } from '../../core/errors';
import { evaluatePortfolioTaskResult, type PlainKamError } from './evaluate-portfolio-task';
import { packWork, unpackTask, type PackedTask, type PackedWork } from './task-transfer';

/** The worker thread's entry (piscina calls the default export once per task): see evaluation-runner.ts. */
export default function evaluatePackedTask(packed: PackedTask): Result<PackedWork, PlainKamError> {
  const result = evaluatePortfolioTaskResult(unpackTask(packed));
  return result.ok ? { ok: true, value: packWork(result.value) } : result;
}
