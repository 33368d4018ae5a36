import { createSeededRandom } from '../../src/sandbox/portfolio/random';

/**
 * The scale bench's pure parts: its flags, the open-loop event schedule and the percentile
 * summary of acknowledgement times (unit-tested; the bench itself is not).
 */
export interface ScaleFlags {
  installations: number;
  workers: number[];
  /** Web processes (`kam serve --role web --processes N`). */
  web: number;
  /** The event rates measured one after another, each for `seconds`. */
  rates: number[];
  seconds: number;
  /** SIGKILL a worker busy writing back during the first passes (rounds with 2+ workers), then count duplicates. */
  killWorker: boolean;
  /**
   * The worker processes' nice value (0-19), as a host shared by web and worker processes would
   * set it (systemd `Nice=`, docs/operations.md): 0 runs them at the web processes' priority.
   */
  workerNice: number;
  /** Load generator processes sharing the event schedule (bench/scale/run-event-load.ts). */
  generators: number;
  companies: number;
  contacts: number;
  deals: number;
  seed: number;
  /** How long a round may wait for every first full pass before it reports what it has. */
  timeoutSeconds: number;
  json: boolean;
}

export function parseScaleFlags(args: string[]): ScaleFlags {
  const value = (name: string): string | undefined => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? undefined : args[index + 1];
  };
  const int = (name: string, fallback: number, min: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} wants a whole number >= ${min}, got ${raw}`);
    return n;
  };
  const list = (name: string, fallback: string, min: number, max: number): number[] => {
    const raw = value(name) ?? fallback;
    const numbers = raw.split(',').filter((part) => part !== '').map(Number);
    if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < min || n > max)) throw new Error(`--${name} wants a list of whole numbers from ${min} to ${max} like ${fallback}, got ${raw}`);
    return numbers;
  };
  // --short: the round to build with, about 5 minutes on a quiet 2-core box.
  const short = args.includes('--short');
  return {
    installations: int('installations', short ? 40 : 200, 2),
    workers: list('workers', short ? '2' : '1,2,4', 1, 16),
    web: int('web', 1, 1),
    rates: list('events-per-second', short ? '200,1000' : '200,1000,2000', 1, 100_000),
    seconds: int('seconds', short ? 2 : 5, 1),
    killWorker: !args.includes('--no-kill'),
    workerNice: Math.min(19, int('worker-nice', 0, 0)),
    generators: int('generators', 1, 1),
    companies: int('companies', 20, 1),
    contacts: int('contacts', 40, 0),
    deals: int('deals', 100, 1),
    seed: int('seed', 11, 0),
    timeoutSeconds: int('timeout-seconds', 900, 10),
    json: args.includes('--json'),
  };
}

/** Bitrix24 portals get the odd half when the count is odd: `split(5)` is { bitrix24: 3, amocrm: 2 }. */
export function splitInstallations(total: number): { bitrix24: number; amocrm: number } {
  const bitrix24 = Math.ceil(total / 2);
  return { bitrix24, amocrm: total - bitrix24 };
}

export interface ScheduledEvent {
  /** Milliseconds after the load starts at which this event is due. */
  atMs: number;
  /** Index into the target list. */
  target: number;
}

/**
 * An open-loop schedule: `rate` events a second for `seconds`, evenly spaced (event i is due at
 * i * 1000 / rate ms whatever happened to earlier ones, so a slow answer cannot slow the load),
 * each for a target drawn from a seeded generator so every target gets about the same share.
 */
export function eventSchedule(options: { rate: number; seconds: number; targets: number; seed: number }): ScheduledEvent[] {
  if (options.targets < 1) throw new Error('eventSchedule needs at least one target');
  const count = Math.round(options.rate * options.seconds);
  const random = createSeededRandom(options.seed);
  const events: ScheduledEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    events.push({ atMs: (i * 1000) / options.rate, target: random.int(0, options.targets - 1) });
  }
  return events;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (the smallest value with at least p% of the values at or below it). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] as number };
}

/** Installations per minute from a count and the seconds they took (0 when nothing finished). */
export function perMinute(count: number, seconds: number): number {
  return seconds > 0 ? (count * 60) / seconds : 0;
}

/**
 * Where an acknowledged event ended. Its entity still has a dirty mark: `marked` (the next pass
 * reads it). Otherwise a mark of it stamped at or after the event was sent has been cleared: the
 * app clears a mark only after a read that began after the mark was made, so the entity was read
 * again after the event: `reread`. Otherwise no trace of it: `lost`.
 */
export type EventFate = 'marked' | 'reread' | 'lost';

export function eventFate(sentAt: number, entity: { markedNow: boolean; lastMarkCleared: number | null }): EventFate {
  if (entity.markedNow) return 'marked';
  if (entity.lastMarkCleared !== null && entity.lastMarkCleared >= sentAt) return 'reread';
  return 'lost';
}
