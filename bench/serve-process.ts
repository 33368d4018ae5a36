import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * `kam serve` as its own process for a bench (SQLite, loopback), started the way a user starts it
 * from a checkout (bin/kam.js, or `node dist/cli.js serve` with `dist`): its ready line gives the
 * URL; its JSON log lines are kept, so a bench can count what it did (e.g. `cycle done`).
 */
export interface ServeLogLine {
  message: string;
  at: number;
  fields: Record<string, unknown>;
}

export interface ServeProcess {
  url: string;
  /** The served process's id (its CPU time can be read from /proc on Linux). */
  pid: number;
  /** Log lines so far, in order. */
  log: ServeLogLine[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/** `args`: more `kam serve` flags, e.g. `--role web`. */
export function startServe(options: { env: Record<string, string>; dist?: boolean; args?: string[] }): Promise<ServeProcess> {
  const root = join(__dirname, '..');
  const entry = options.dist ? join(root, 'dist', 'cli.js') : join(root, 'bin', 'kam.js');
  // BENCH_SERVE_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node flags for the served process only.
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve', '--port', '0', ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, KAM_LOG_LEVEL: 'info', KAM_LOG_FORMAT: 'json', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: ServeLogLine[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      log.push({ message: String(record.message), at: Date.now(), fields: record });
    } catch {
      errors.push(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('kam serve printed no ready line in time'));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kam serve exited (${code}) before its ready line: ${errors.slice(-5).join(' | ')}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { url: string };
      resolve({
        url: ready.url,
        pid: child.pid ?? -1,
        log,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
