import { createHash } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Installation } from '../../core/ports/installation-store.port';

/**
 * Is a card-frame user's token good? Asked of the portal (user.current at our stored endpoint),
 * remembered for a while, and bounded per portal: uncached checks spend the portal's own rate
 * limit, and a flood of bad tokens must cost it nothing more.
 */
const USER_CHECK_TTL_MS = 5 * 60_000;
const USER_CHECK_CACHE_MAX = 10_000;
const FAILED_CHECK_TTL_MS = 30_000;
/** At most this many uncached frame checks per portal in any 10 seconds. */
const FRAME_CHECKS_PER_WINDOW = 20;
const FRAME_CHECK_WINDOW_MS = 10_000;

/** Admits at most `limit` events per key in any window, refusing (not queueing) the rest. */
function createAdmission(limit: number, windowMs: number) {
  const seen = new Map<string, number[]>();
  return {
    admit(key: string): boolean {
      const now = Date.now();
      const recent = (seen.get(key) ?? []).filter((at) => at > now - windowMs);
      if (recent.length >= limit) {
        seen.set(key, recent);
        return false;
      }
      recent.push(now);
      seen.set(key, recent);
      return true;
    },
  };
}

export function createFrameCheck(askPortal: (installation: Installation, accessToken: string) => Promise<void>) {
  /** A positive time = accepted until then; a negative one = refused until then. */
  const cache = new Map<string, number>();
  const admission = createAdmission(FRAME_CHECKS_PER_WINDOW, FRAME_CHECK_WINDOW_MS);
  return async (installation: Installation, accessToken: string): Promise<Result<Installation>> => {
    const cacheKey = createHash('sha256').update(`${installation.id}:${accessToken}`).digest('hex');
    const checked = cache.get(cacheKey);
    if (checked && checked > Date.now()) return ok(installation);
    if (checked && checked < 0 && -checked > Date.now()) return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));
    if (!admission.admit(installation.id)) return fail(new KamError('RATE_LIMITED', 'Too many card-tab checks for this portal; try again in a moment'));
    try {
      await askPortal(installation, accessToken);
    } catch (error) {
      cache.set(cacheKey, -(Date.now() + FAILED_CHECK_TTL_MS));
      return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token', { cause: error }));
    }
    if (cache.size >= USER_CHECK_CACHE_MAX) {
      const now = Date.now();
      for (const [key, until] of cache) if (Math.abs(until) <= now) cache.delete(key);
      if (cache.size >= USER_CHECK_CACHE_MAX) cache.clear();
    }
    cache.set(cacheKey, Date.now() + USER_CHECK_TTL_MS);
    return ok(installation);
  };
}
