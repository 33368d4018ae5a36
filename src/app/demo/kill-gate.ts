import { KamError } from '../../core/errors';
import type { RequestCounts } from '../../core/ports/crm-connector.port';
import type { JobAttempt } from '../../jobs/job-attempts';
import type { LiveWorker } from '../../jobs/worker-registry';

/**
 * `kam demo --kill-worker-at sync|write-back`: kills the worker running a job's attempt while a
 * request of that phase is on the wire. A worker keeps its attempt's request counts by phase in
 * the database before each request goes out (job-attempts.ts); the sandbox asks this gate as each
 * request arrives (DemoSandboxOptions.holdAnswer). The first request that finds the running
 * attempt with `nth` requests counted in the phase is served but not answered until the worker
 * is dead, so the kill lands inside the phase however short the phase is (`nth` moves it along
 * the phase: in write-back, onto the comments' or the to-dos' claims).
 *
 * The demo once watched the registry every 100 ms instead and killed whoever showed the phase: a
 * write-back of a few requests could begin and end between two looks (nothing killed, the demo
 * failed), or end between the look and the kill (the job done, nothing retried).
 */
export type KillPhase = 'sync' | 'writeBack';

export interface KillGateDeps {
  phase: KillPhase;
  /** The request of the phase whose answer the worker dies waiting for: 1 = its first. */
  nth: number;
  /** Every attempt at a job so far, oldest first (PgBossQueue.attempts). */
  attempts(jobId: string): Promise<JobAttempt[]>;
  /** The live workers (PgBossQueue.workers): the attempt names its worker by registry id. */
  workers(): Promise<LiveWorker[]>;
  /** Kills the process; resolves once it has exited. */
  kill(pid: number): Promise<void>;
}

export interface KillGate {
  /** From now on the running attempt at this job is the one to kill, once it is in the phase. */
  watch(jobId: string): void;
  /** For DemoSandboxOptions.holdAnswer. */
  holdAnswer(): Promise<{ until: Promise<void> } | null>;
  /** The worker killed, once it has exited; null before. */
  killed(): { pid: number; phase: KillPhase } | null;
  /** Why the kill failed, when it did. */
  failure(): Error | null;
}

export function createKillGate(deps: KillGateDeps): KillGate {
  let jobId: string | null = null;
  let killing: Promise<void> | null = null;
  let killed: { pid: number; phase: KillPhase } | null = null;
  let failure: Error | null = null;

  const kill = async (worker: string): Promise<void> => {
    const pid = (await deps.workers()).find((live) => live.id === worker)?.pid;
    if (pid === undefined) throw new KamError('NOT_FOUND', `The worker ${worker} running the job is not among the live workers`);
    await deps.kill(pid);
    killed = { pid, phase: deps.phase };
  };
  /** While the kill is under way every answer waits for it (the worker may have several requests out); after it, none. */
  const during = () => (killed || failure ? null : { until: killing as Promise<void> });

  return {
    watch(id) {
      jobId = id;
    },
    async holdAnswer() {
      if (killing) return during();
      if (!jobId) return null;
      const running = (await deps.attempts(jobId)).filter((attempt) => attempt.ended === null).at(-1);
      const requests = running?.sofar['requests'] as RequestCounts | undefined;
      if (!running || !requests || (requests.byPhase[deps.phase] ?? 0) < deps.nth) return null;
      // Another request may have started the kill while this one read the attempts.
      if (killing) return during();
      killing = kill(running.worker).catch((error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
      });
      return { until: killing };
    },
    killed: () => killed,
    failure: () => failure,
  };
}
