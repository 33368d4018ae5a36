import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { KamError } from '../../core/errors';

/**
 * The app as production runs it on PostgreSQL: one `kam serve --role web` and N
 * `kam serve --role worker` child processes sharing one database (for `kam demo --workers N`
 * and the scale benchmark). Each child picks its own free port and reports its URL on its
 * first stdout line (serve.command.ts). The children never outlive this process: they are
 * stopped by `stop()`, killed on this process's exit, and each one also exits by itself when
 * its IPC channel to this process closes (this process was SIGKILLed).
 */
export type AppRole = 'web' | 'worker';

export interface AppProcess {
  role: AppRole;
  /** 0 for the web process, 1..N for the workers. */
  index: number;
  pid: number;
  /** The processes that serve: [pid], or with `webProcesses` > 1 the web primary's children (as they were at start). */
  pids: number[];
  url: string;
  /** Resolves when the process has exited (by itself, by stop() or by kill()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** false once it has exited. */
  alive(): boolean;
}

export interface AppClusterOptions {
  /** Worker processes (>= 1). */
  workers: number;
  /** Environment for every child on top of this process's (DATABASE_URL, KAM_ENCRYPTION_KEY, CRM credentials, ...). */
  env: Record<string, string>;
  /** Each child's stderr (its log) goes to `<logDir>/<role>-<index>.log`; without it, to nowhere. */
  logDir?: string;
  /** Web processes on the one web port (`kam serve --role web --processes N`, node:cluster); default 1. */
  webProcesses?: number;
  /** The web process's port (default: a free one), e.g. to start it again where a CRM already sends its events. */
  webPort?: number;
  /** How long a child may take to answer with its URL (default 90 s: tsx compiles on start). */
  readyTimeoutMs?: number;
  /** Node flags for the web process only (the scale bench's BENCH_SERVE_NODE_ARGS, e.g. `--cpu-prof`). */
  webNodeArgs?: string[];
}

export interface AppCluster {
  web: AppProcess;
  workers: AppProcess[];
  /** Every child still running. */
  all(): AppProcess[];
  /** Sends `signal` (default SIGKILL) to one child and resolves once it has exited. */
  kill(pid: number, signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM to every child, SIGKILL to those still running after `graceMs` (default 10 s); resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
}

const ROOT = resolve(__dirname, '../../..');
const KAM_BIN = join(ROOT, 'bin', 'kam.js');
/**
 * Runs bin/kam.js with the given argv, exiting when the parent's IPC channel closes (the parent
 * died without stopping us). The channel is unref'd so it never keeps the child alive itself.
 */
const CHILD_ENTRY = `
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
if (process.channel) process.channel.unref();
require(process.argv[1]);
`;

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Children {
  live: Set<ChildProcess>;
  /** Every child's exit, started or not. */
  exits: Array<Promise<unknown>>;
}

function startChild(role: AppRole, index: number, options: AppClusterOptions, children: Children): Promise<AppProcess> {
  const { live } = children;
  const port = role === 'web' && options.webPort ? options.webPort : 0;
  const processes = role === 'web' && (options.webProcesses ?? 1) > 1 ? ['--processes', String(options.webProcesses)] : [];
  const nodeArgs = role === 'web' ? (options.webNodeArgs ?? []) : [];
  const child = spawn(process.execPath, [...nodeArgs, '-e', CHILD_ENTRY, KAM_BIN, 'serve', '--role', role, '--port', String(port), ...processes], {
    cwd: ROOT,
    // A child inherits this process's environment (PATH, locale) as a shell would start it; the
    // app inside still reads its settings only through its own config.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(child);
  let log: WriteStream | null = null;
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    log = createWriteStream(join(options.logDir, `${role}-${index}.log`));
  }
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    log?.write(chunk);
    tail.push(chunk.toString());
    if (tail.length > 20) tail.shift();
  });
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      alive = false;
      live.delete(child);
      log?.end();
      done({ code, signal });
    });
  });
  children.exits.push(exited);
  const name = `kam serve --role ${role}${role === 'worker' ? ` (#${index})` : ''}`;
  return new Promise<AppProcess>((ready, refuse) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      refuse(new KamError('INTERNAL', `${name} did not start within ${Math.round((options.readyTimeoutMs ?? 90_000) / 1000)} s:\n${tail.join('')}`));
    }, options.readyTimeoutMs ?? 90_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      clearTimeout(timer);
      let url: unknown;
      let pids: unknown;
      try {
        ({ url, pids } = JSON.parse(line) as { url?: unknown; pids?: unknown });
      } catch {
        url = undefined;
      }
      if (typeof url !== 'string') {
        child.kill('SIGKILL');
        refuse(new KamError('INTERNAL', `${name} answered ${JSON.stringify(line)} instead of its URL`));
        return;
      }
      const served = Array.isArray(pids) ? pids.filter((pid): pid is number => typeof pid === 'number') : [child.pid as number];
      ready({ role, index, pid: child.pid as number, pids: served, url, exited, alive: () => alive });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      refuse(new KamError('INTERNAL', `${name} exited before it was ready (${signal ?? `code ${code}`}):\n${tail.join('')}`));
    });
  });
}

/** Starts the web process, then the workers; on any failure stops what started and rejects. */
export async function startAppCluster(options: AppClusterOptions): Promise<AppCluster> {
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new KamError('INPUT_INVALID', `workers must be a whole number >= 1, not ${options.workers}`);
  if (!options.env.DATABASE_URL) throw new KamError('CONFIG_INVALID', 'web and worker processes share one PostgreSQL database: set DATABASE_URL');
  const children: Children = { live: new Set(), exits: [] };
  const { live } = children;
  const processes: AppProcess[] = [];
  // A last resort: whatever way this process ends, no child is left behind.
  const onExit = () => {
    for (const child of live) child.kill('SIGKILL');
  };
  process.on('exit', onExit);

  const stop = async (graceMs = 10_000) => {
    for (const child of live) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of live) child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(children.exits);
    clearTimeout(timer);
    // A web primary's own children (webProcesses > 1) are not ours: they exit when it stops them,
    // or at once when it died first (node:cluster ends a child whose primary is gone); wait for that.
    const deadline = Date.now() + graceMs;
    for (const pid of processes.flatMap((child) => child.pids.filter((served) => served !== child.pid))) {
      while (running(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
    process.off('exit', onExit);
  };

  try {
    // The web process first: it migrates the database and creates the queues before the workers poll them.
    const web = await startChild('web', 0, options, children);
    processes.push(web);
    // A worker sets installations up too (a setup job): the handlers and webhooks it registers, and
    // amoCRM's redirect_uri on a token refresh, must name the web process, never the worker's own port.
    const workerOptions = { ...options, env: { KAM_PUBLIC_URL: web.url, ...options.env } };
    const workers = await Promise.all(Array.from({ length: options.workers }, (_, i) => startChild('worker', i + 1, workerOptions, children)));
    processes.push(...workers);
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  const [web, ...workers] = processes as [AppProcess, ...AppProcess[]];
  return {
    web,
    workers,
    all: () => processes.filter((child) => child.alive()),
    async kill(pid, signal = 'SIGKILL') {
      const target = processes.find((child) => child.pid === pid);
      if (!target) throw new KamError('NOT_FOUND', `no app process with pid ${pid}`);
      if (!target.alive()) return;
      process.kill(pid, signal);
      await target.exited;
    },
    stop,
  };
}
