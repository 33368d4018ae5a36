import { createKillGate, type KillGateDeps } from '../../../src/app/demo/kill-gate';
import type { RequestCounts } from '../../../src/core/ports/crm-connector.port';
import type { JobAttempt } from '../../../src/jobs/job-attempts';
import type { LiveWorker } from '../../../src/jobs/worker-registry';

/**
 * `kam demo --kill-worker-at`: the worker is killed while a request of the phase waits for its
 * answer, decided from the attempt's request counts (kept before each request goes out), so a
 * write-back of one request is caught as surely as a long one, and never after it ended.
 */
const counts = (byPhase: Partial<RequestCounts['byPhase']>): RequestCounts => ({
  requests: Object.values(byPhase).reduce((sum, n) => sum + n, 0),
  byPhase: { setup: 0, sync: 0, writeBack: 0, other: 0, ...byPhase },
  byMethod: {},
  rejections: {},
});
const attempt = (worker: string, ended: JobAttempt['ended'], byPhase: Partial<RequestCounts['byPhase']>): JobAttempt => ({
  attempt: `${worker}-a`, jobId: 'job-1', worker, ended, sofar: { phase: 'x', requests: counts(byPhase) },
});
const worker = (id: string, pid: number): LiveWorker => ({ id, pid, host: 'h', startedAt: '', heartbeatAt: '', jobs: [] });

function gateWith(attempts: JobAttempt[], workers: LiveWorker[], nth = 1) {
  const kills: number[] = [];
  let exited!: () => void;
  const deps: KillGateDeps = {
    phase: 'writeBack',
    nth,
    attempts: async (id) => (id === 'job-1' ? attempts : []),
    workers: async () => workers,
    // The process exits when the test says so: until then every answer must wait.
    kill: (pid) => {
      kills.push(pid);
      return new Promise<void>((done) => (exited = done));
    },
  };
  return { gate: createKillGate(deps), kills, exit: () => exited() };
}

it('answers every request at once until the watched job\'s running attempt has a request of the phase out', async () => {
  const attempts = [attempt('w-1', null, { sync: 4 })];
  const { gate, kills } = gateWith(attempts, [worker('w-1', 101)]);
  expect(await gate.holdAnswer()).toBeNull(); // no job watched yet
  gate.watch('job-1');
  expect(await gate.holdAnswer()).toBeNull(); // still syncing
  expect(kills).toEqual([]);
  expect(gate.killed()).toBeNull();
});

it('holds the first write-back request\'s answer until the attempt\'s own worker has exited, and every answer meanwhile', async () => {
  // An earlier attempt that ended (failed) with write-back requests is not the one running.
  const attempts = [attempt('w-2', 'failed', { writeBack: 3 }), attempt('w-1', null, { sync: 4, writeBack: 1 })];
  const { gate, kills, exit } = gateWith(attempts, [worker('w-2', 202), worker('w-1', 101)]);
  gate.watch('job-1');
  const first = await gate.holdAnswer();
  const second = await gate.holdAnswer();
  expect(first).not.toBeNull();
  expect(second).not.toBeNull();
  expect(kills).toEqual([101]);
  let answered = false;
  const answer = first?.until.then(() => (answered = true));
  // Killed (the signal sent) is not exited: nothing is answered and nothing counts as killed yet.
  expect(answered).toBe(false);
  expect(gate.killed()).toBeNull();
  exit();
  await answer;
  await second?.until;
  expect(gate.killed()).toEqual({ pid: 101, phase: 'writeBack' });
  // Once it is dead, requests (the retry's) are answered at once and nothing more is killed.
  expect(await gate.holdAnswer()).toBeNull();
  expect(kills).toEqual([101]);
});

it('lets the held answer go and says why when the attempt\'s worker is not among the live ones', async () => {
  const { gate, kills } = gateWith([attempt('w-9', null, { writeBack: 1 })], [worker('w-1', 101)]);
  gate.watch('job-1');
  const held = await gate.holdAnswer();
  await held?.until;
  expect(kills).toEqual([]);
  expect(gate.killed()).toBeNull();
  expect(gate.failure()?.message).toContain('w-9');
  expect(await gate.holdAnswer()).toBeNull();
});

it('waits for the n-th request of the phase when asked to', async () => {
  const attempts = [attempt('w-1', null, { sync: 4, writeBack: 2 })];
  const { gate, kills, exit } = gateWith(attempts, [worker('w-1', 101)], 3);
  gate.watch('job-1');
  expect(await gate.holdAnswer()).toBeNull();
  attempts[0] = attempt('w-1', null, { sync: 4, writeBack: 3 });
  const held = await gate.holdAnswer();
  expect(kills).toEqual([101]);
  exit();
  await held?.until;
  expect(gate.killed()).toEqual({ pid: 101, phase: 'writeBack' });
});
