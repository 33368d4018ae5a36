import { readFileSync, writeFileSync } from 'node:fs';
import { createRawClient, rawRequest } from './raw-http';
import { eventSchedule, type ScheduledEvent } from './scale-kit';

/**
 * The scale bench's event load generator, a process of its own so its timers do not share an
 * event loop with the 200 sandbox portals: `node -r tsx/cjs bench/scale/event-load.ts <in.json> <out.json>`.
 * It sends `rate` signed events a second for `seconds` on an open-loop schedule (each event at its
 * own due time, whatever earlier answers did) over keep-alive loopback connections (raw-http.ts), and writes,
 * per event, its target, when it was due and sent (epoch ms), the acknowledgement time and status.
 */
export interface LoadTarget {
  url: string;
  body: string;
  contentType: string;
}

export interface LoadInput {
  rate: number;
  seconds: number;
  seed: number;
  targets: LoadTarget[];
  /** When the schedule starts (epoch ms); default 100 ms after this process is ready. */
  startAt?: number;
  /** This generator sends the events k of the schedule with k % of === index (several generators share one schedule). */
  part?: { index: number; of: number };
}

export interface LoadResult {
  /** Per event: [target, dueAt, sentAt, ackMs, status]; status 0 when the request failed, -1 when no answer came in time. */
  events: Array<[number, number, number, number, number]>;
}

/** This generator's share of the load's schedule: every event, or every `of`-th from `index` when several generators share it. */
export function scheduleOf(load: Pick<LoadInput, 'rate' | 'seconds' | 'seed' | 'targets' | 'part'>): ScheduledEvent[] {
  const part = load.part ?? { index: 0, of: 1 };
  return eventSchedule({ rate: load.rate, seconds: load.seconds, targets: load.targets.length, seed: load.seed }).filter((_, k) => k % part.of === part.index);
}

/** Keep-alive connections to the web port, all opened before the schedule starts. */
const CONNECTIONS = 256;

/** How long answers are awaited after the last event went out; what is still open then counts as unanswered. */
const DRAIN_TIMEOUT_MS = 240_000;

async function main(input: string, output: string): Promise<void> {
  const load = JSON.parse(readFileSync(input, 'utf8')) as LoadInput;
  const schedule = scheduleOf(load);
  // All targets are one origin (the web port); up to 256 connections, one request at a time on each.
  const origin = new URL((load.targets[0] as LoadTarget).url);
  const client = createRawClient({ host: origin.hostname, port: Number(origin.port), maxConnections: CONNECTIONS });
  const requests = load.targets.map((target) => rawRequest(new URL(target.url), target.contentType, target.body));
  // Every connection is open before the first event is due, as a reverse proxy's upstream keep-alive
  // pool is in production: opened during a burst, ~150 new connections in its first 0.5 s delayed
  // the requests on them by up to 0.3-1 s (measured at the web process: requests seen late, each
  // answered at once), which is TCP set-up under load, not the app's answer.
  await client.warm(CONNECTIONS);
  const events: LoadResult['events'] = [];
  const open = new Map<number, [number, number, number]>();
  let serial = 0;
  let resolveDrained: (() => void) | null = null;

  const send = (index: number, dueAt: number): void => {
    const sentAt = Date.now();
    const started = process.hrtime.bigint();
    const id = serial++;
    open.set(id, [index, dueAt, sentAt]);
    const done = (status: number): void => {
      if (!open.delete(id)) return;
      events.push([index, dueAt, sentAt, Number(process.hrtime.bigint() - started) / 1e6, status]);
      if (open.size === 0) resolveDrained?.();
    };
    void client.send(requests[index] as (typeof requests)[number]).then(done);
  };

  const start = load.startAt ?? Date.now() + 100;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = Date.now();
      // Everything due by now goes out at once: a late tick never drops or delays the schedule.
      while (next < schedule.length && start + (schedule[next] as { atMs: number }).atMs <= now) {
        const due = schedule[next] as { atMs: number; target: number };
        send(due.target, start + due.atMs);
        next += 1;
      }
      if (next >= schedule.length) {
        resolve();
        return;
      }
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, start - Date.now()));
  });
  if (open.size > 0) {
    await Promise.race([
      new Promise<void>((resolve) => {
        resolveDrained = resolve;
      }),
      new Promise<void>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()),
    ]);
  }
  for (const [index, dueAt, sentAt] of open.values()) events.push([index, dueAt, sentAt, Number.NaN, -1]);
  client.close();
  const result: LoadResult = { events };
  writeFileSync(output, JSON.stringify(result));
}

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: event-load.ts <in.json> <out.json>\n');
    process.exit(2);
  }
  // Exit once the figures are written: requests still open would otherwise keep the process up.
  main(input, output).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`event-load: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
