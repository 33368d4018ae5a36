import { createHash } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Installation } from '../../core/ports/installation-store.port';
import { createAdmission } from '../shared/admission';

/**
 * Is a card-frame user's token good? Asked of the portal (user.current at our stored endpoint,
 * through the portal's limiter and meter), remembered for a while either way. Uncached checks
 * are limited per source address, not per portal: a flood of bogus tokens from one place is
 * refused there, while the portal's genuine users (other addresses, or tokens already checked)
 * keep their card tab. A refused token is remembered, so repeating it costs the portal nothing.
 */
const USER_CHECK_TTL_MS = 5 * 60_000;
const USER_CHECK_CACHE_MAX = 10_000;
const FAILED_CHECK_TTL_MS = 30_000;
/** At most this many uncached frame checks per source address in any 10 seconds. */
const FRAME_CHECKS_PER_SOURCE = 20;
const FRAME_CHECK_WINDOW_MS = 10_000;

export function createFrameCheck(askPortal: (installation: Installation, accessToken: string) => Promise<void>, options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  /** A positive time = accepted until then; a negative one = refused until then. */
  const cache = new Map<string, number>();
  const perSource = createAdmission({ limit: FRAME_CHECKS_PER_SOURCE, windowMs: FRAME_CHECK_WINDOW_MS, now });
  const remember = (key: string, until: number) => {
    if (cache.size >= USER_CHECK_CACHE_MAX) {
      const at = now();
      for (const [old, expiry] of cache) if (Math.abs(expiry) <= at) cache.delete(old);
      if (cache.size >= USER_CHECK_CACHE_MAX) cache.delete(cache.keys().next().value as string);
    }
    cache.set(key, until);
  };
  return async (installation: Installation, accessToken: string, source?: string): Promise<Result<Installation>> => {
    const cacheKey = createHash('sha256').update(`${installation.id}:${accessToken}`).digest('hex');
    const checked = cache.get(cacheKey);
    if (checked && checked > now()) return ok(installation);
    if (checked && checked < 0 && -checked > now()) return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));
    if (!accessToken) return fail(new KamError('UNAUTHORIZED', 'The frame brought no token'));
    if (!perSource.admit(source ?? 'unknown')) return fail(new KamError('RATE_LIMITED', 'Too many card-tab checks from this address; try again in a moment'));
    try {
      await askPortal(installation, accessToken);
    } catch (error) {
      remember(cacheKey, -(now() + FAILED_CHECK_TTL_MS));
      return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token', { cause: error }));
    }
    remember(cacheKey, now() + USER_CHECK_TTL_MS);
    return ok(installation);
  };
}
