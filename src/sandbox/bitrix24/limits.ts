/**
 * The two cloud limits of docs:limits. A leaky bucket per portal (every HTTP request adds one,
 * the level drains by `drainPerSecond`; above `burst` the request gets 503 QUERY_LIMIT_EXCEEDED;
 * a batch is one request), and per-method operating time kept in ten one-minute buckets: past
 * `operatingLimitSeconds` within ten minutes the method answers 429 OPERATION_TIME_LIMIT while
 * other methods keep working. Costs are simulated, so `time.operating` moves like a portal's.
 */
export interface LimitSettings {
  enabled: boolean;
  burst: number;
  drainPerSecond: number;
  operatingLimitSeconds: number;
}

export interface OperatingInfo {
  operating: number;
  resetAt: number;
}

export interface PortalLimits {
  /** false when the bucket is full (the request must be refused). */
  admit(): boolean;
  operatingBlocked(method: string): boolean;
  charge(method: string, seconds: number): OperatingInfo;
  operating(method: string): OperatingInfo;
  settings(): LimitSettings;
  update(settings: Partial<LimitSettings>): void;
  reset(): void;
}

const MINUTE = 60_000;
const WINDOW_MINUTES = 10;

export function createPortalLimits(deps: { settings: LimitSettings; now: () => number }): PortalLimits {
  let settings = { ...deps.settings };
  let level = 0;
  let drainedAt = deps.now();
  let buckets = new Map<string, Map<number, number>>();

  const info = (method: string): OperatingInfo => {
    const minute = Math.floor(deps.now() / MINUTE);
    const perMinute = buckets.get(method);
    let operating = 0;
    let oldest = minute;
    if (perMinute) {
      for (const [at, seconds] of perMinute) {
        if (at <= minute - WINDOW_MINUTES) perMinute.delete(at);
        else {
          operating += seconds;
          oldest = Math.min(oldest, at);
        }
      }
    }
    return { operating, resetAt: (oldest + WINDOW_MINUTES) * MINUTE };
  };

  return {
    admit() {
      if (!settings.enabled) return true;
      const now = deps.now();
      level = Math.max(0, level - ((now - drainedAt) / 1000) * settings.drainPerSecond);
      drainedAt = now;
      if (level + 1 > settings.burst) return false;
      level += 1;
      return true;
    },
    operatingBlocked(method) {
      return settings.enabled && info(method).operating >= settings.operatingLimitSeconds;
    },
    charge(method, seconds) {
      const minute = Math.floor(deps.now() / MINUTE);
      let perMinute = buckets.get(method);
      if (!perMinute) {
        perMinute = new Map();
        buckets.set(method, perMinute);
      }
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + seconds);
      return info(method);
    },
    operating: info,
    settings: () => ({ ...settings }),
    update(next) {
      settings = { ...settings, ...next };
    },
    reset() {
      level = 0;
      drainedAt = deps.now();
      buckets = new Map();
    },
  };
}
