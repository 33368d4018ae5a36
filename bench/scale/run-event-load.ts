import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadInput, LoadResult, LoadTarget } from './event-load';

const ROOT = resolve(__dirname, '../..');
/** Time for the generators to start (tsx compiles on start) before the shared schedule begins. */
const START_DELAY_MS = 3_000;

/**
 * Runs the open-loop schedule of `rate` events a second for `seconds` from `generators` processes
 * (bench/scale/event-load.ts), each sending every n-th event of the one schedule from one common
 * start time, and returns every event's fate together. One generator spends about 0.11 ms of CPU
 * per request it sends and reads (raw-http.ts): at 2,000 a second its own event loop is a fifth
 * busy, and an answer it reads late counts as a late acknowledgement. On a machine with cores to spare, several
 * generators keep the instrument out of the figure; on this project's two-core machine one measured
 * better (two add a process and a second set of connections competing for the same two cores).
 */
export async function runEventLoad(options: { targets: LoadTarget[]; rate: number; seconds: number; seed: number; dir: string; generators: number; label: string }): Promise<LoadResult> {
  const startAt = Date.now() + START_DELAY_MS;
  const parts = Array.from({ length: Math.max(1, options.generators) }, (_, index) => index);
  const results = await Promise.all(
    parts.map(async (index) => {
      const input: LoadInput = { rate: options.rate, seconds: options.seconds, seed: options.seed, targets: options.targets, startAt, part: { index, of: parts.length } };
      const inFile = join(options.dir, `events-in-${options.label}-${index}.json`);
      const outFile = join(options.dir, `events-out-${options.label}-${index}.json`);
      writeFileSync(inFile, JSON.stringify(input));
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'event-load.ts'), inFile, outFile], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      if (code !== 0) throw new Error(`event load generator ${index + 1} of ${parts.length} exited with ${code}`);
      return JSON.parse(readFileSync(outFile, 'utf8')) as LoadResult;
    }),
  );
  return { events: results.flatMap((result) => result.events) };
}
