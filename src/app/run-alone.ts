import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KamError } from '../core/errors';
import type { LeaseStore } from '../core/ports/lease-store.port';

/** This process, as a lease holder: host, pid and a random part (a restarted pid is another holder). */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export type RunAloneResult<T> = { ran: true; value: T } | { ran: false; holder: string | null };

/**
 * Runs `work` only while holding the lease `name` (database-held, so across web and worker
 * processes), renewing it every third of `ttlMs` while work runs; when another holder has it,
 * does nothing and says who. A holder that dies frees the name within `ttlMs`.
 */
export async function runAlone<T>(
  leases: LeaseStore,
  name: string,
  ttlMs: number,
  work: () => Promise<T>,
  holder: string = PROCESS_HOLDER,
): Promise<RunAloneResult<T>> {
  if (!(await leases.acquire(name, holder, ttlMs))) return { ran: false, holder: await leases.holder(name) };
  const renew = setInterval(() => {
    leases.acquire(name, holder, ttlMs).catch(() => undefined);
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  renew.unref();
  try {
    return { ran: true, value: await work() };
  } finally {
    clearInterval(renew);
    await leases.release(name, holder);
  }
}

/** How often a waiting holder asks again for a lease someone else holds. */
const WAIT_POLL_MS = 250;

/**
 * Runs `work` holding the lease `name`, waiting (up to `waitMs`) while another holder has it:
 * for idempotent work that must not overlap across processes but must not be skipped either
 * (a setup after another process's setup creates nothing, and returns what is there).
 */
export async function runExclusive<T>(
  leases: LeaseStore,
  name: string,
  ttlMs: number,
  work: () => Promise<T>,
  options: { waitMs?: number; holder?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? ttlMs);
  for (;;) {
    const outcome = await runAlone(leases, name, ttlMs, work, options.holder);
    if (outcome.ran) return outcome.value;
    if (Date.now() >= deadline) throw new KamError('CONFLICT', `${name} is still held by ${outcome.holder ?? 'another process'}; try again later.`, { retryable: true });
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}
