import { createHash } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../../core/errors';
import type { FrameCheckStore } from '../../core/ports/frame-check-store.port';
import type { Installation } from '../../core/ports/installation-store.port';
import { createAdmission } from '../shared/admission';

/**
 * Is a card-frame user's token good? Asked of the portal (user.current at our stored endpoint,
 * through the portal's limiter and meter), remembered for a while either way in the database
 * (`verdicts`), so every web process shares what any one of them learned: a token checked once
 * is not checked again by the next process, and a refused token is refused by all without
 * costing the portal anything. Only a hash of installation and token is kept, never the token.
 * Uncached checks are limited per source address, not per portal: a flood of bogus tokens from
 * one place is refused there, while the portal's genuine users (other addresses, or tokens
 * already checked) keep their card tab.
 */
const USER_CHECK_TTL_MS = 5 * 60_000;
const FAILED_CHECK_TTL_MS = 30_000;
/** At most this many uncached frame checks per source address in any 10 seconds. */
const FRAME_CHECKS_PER_SOURCE = 20;
const FRAME_CHECK_WINDOW_MS = 10_000;
/** Expired verdicts are swept after this many new ones (per process). */
const PRUNE_EVERY = 200;

export function createFrameCheck(
  askPortal: (installation: Installation, accessToken: string) => Promise<void>,
  options: { verdicts: FrameCheckStore; now?: () => number },
) {
  const now = options.now ?? Date.now;
  const { verdicts } = options;
  const perSource = createAdmission({ limit: FRAME_CHECKS_PER_SOURCE, windowMs: FRAME_CHECK_WINDOW_MS, now });
  let written = 0;
  const remember = async (keyHash: string, installationId: string, accepted: boolean) => {
    await verdicts.remember({ keyHash, installationId, accepted, expiresAt: new Date(now() + (accepted ? USER_CHECK_TTL_MS : FAILED_CHECK_TTL_MS)) });
    written += 1;
    if (written % PRUNE_EVERY === 0) await verdicts.prune();
  };
  const refused = () => fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token'));

  return async (installation: Installation, accessToken: string, source?: string): Promise<Result<Installation>> => {
    if (!accessToken) return fail(new KamError('UNAUTHORIZED', 'The frame brought no token'));
    const keyHash = createHash('sha256').update(`${installation.id}:${accessToken}`).digest('hex');
    const known = await verdicts.find(keyHash);
    if (known) return known.accepted ? ok(installation) : refused();
    if (!perSource.admit(source ?? 'unknown')) return fail(new KamError('RATE_LIMITED', 'Too many card-tab checks from this address; try again in a moment'));
    try {
      await askPortal(installation, accessToken);
    } catch (error) {
      await remember(keyHash, installation.id, false);
      return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token', { cause: error }));
    }
    await remember(keyHash, installation.id, true);
    return ok(installation);
  };
}
