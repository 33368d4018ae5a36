import { Worker } from 'node:worker_threads';

/**
 * The firing side of the events bench, in its own thread: the app under test shares the bench's
 * process (as `kam serve` runs it, in-process), so a send schedule and stopwatch on the main thread
 * would stall exactly when the app blocks and hide the delay. Here the sends keep their open-loop
 * schedule (event i at i / rate s) whatever the main thread does, and each latency runs from the
 * moment the POST left to the moment its answer arrived. Plain JS (eval), so no TS loader is needed.
 */
export interface BurstResult {
  /** Milliseconds from send to answer, per event in send order (NaN when it failed). */
  latencies: number[];
  statuses: Array<number | null>;
  /** How late the sends went out against their schedule, worst case (ms). */
  maxSendLagMs: number;
  seconds: number;
}

const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, rate, timeoutMs } = workerData;
const latencies = new Array(bodies.length).fill(NaN);
const statuses = new Array(bodies.length).fill(null);
let maxLag = 0;
const t0 = performance.now();
const sendOne = async (i) => {
  const sent = performance.now();
  maxLag = Math.max(maxLag, sent - (t0 + (i * 1000) / rate));
  try {
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
      body: bodies[i],
      signal: AbortSignal.timeout(timeoutMs),
    });
    await answer.arrayBuffer();
    latencies[i] = performance.now() - sent;
    statuses[i] = answer.status;
  } catch {
    latencies[i] = NaN;
  }
};
const pending = [];
let next = 0;
const tick = () => {
  const due = Math.floor(((performance.now() - t0) * rate) / 1000) + 1;
  while (next < bodies.length && next < due) pending.push(sendOne(next++));
  if (next < bodies.length) setTimeout(tick, 2);
  else Promise.all(pending).then(() => parentPort.postMessage({ latencies, statuses, maxSendLagMs: maxLag, seconds: (performance.now() - t0) / 1000 }));
};
tick();
`;

/** Fires each form body at `url`, `rate` per second, from a worker thread; resolves when every answer is in. */
export function fireBurst(input: { url: string; bodies: string[]; rate: number; timeoutMs?: number }): Promise<BurstResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { ...input, timeoutMs: input.timeoutMs ?? 30_000 } });
    worker.once('message', (result: BurstResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
