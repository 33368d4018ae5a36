import { createHash } from 'node:crypto';
import { KamError, fail, isKamError, ok, type Result } from '../../core/errors';
import type { FrameCheckStore } from '../../core/ports/frame-check-store.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { RateBucketStore, RateBudget } from '../../core/ports/rate-bucket-store.port';
import { createMarks } from '../shared/marks';
import { createCheckLane, type CheckLane, type CheckLaneOptions } from '../shared/check-lane';

/**
 * Is a card-frame user's token good? Asked of the portal (user.current at our stored endpoint,
 * through the portal's limiter and meter), remembered for a while either way in the database
 * (`verdicts`), so every web process shares what any one of them learned: a token checked once
 * is not checked again by the next process, and a refused token is refused by all without
 * costing the portal anything. Only a hash of installation and token is kept, never the token.
 *
 * A token nobody has checked yet is indistinguishable from a flood's (issue 9, security 3;
 * docs/security.md "Card-tab flood"), and each check spends the portal's rate limit, which our
 * sync shares (leaky bucket, 2/s per portal: https://apidocs.bitrix24.com/limits.html). So:
 * - a source whose token the portal refused gets no unverified check for a while (no call);
 * - each source gets at most a few unverified checks per 10 s (the fix of the 21-post lockout);
 * - the rest go through one lane per portal (../shared/check-lane.ts): a bounded share of the
 *   portal's budget, newest first, sources with a genuine verdict before the others, and an
 *   answer within the frame's time. Under FIFO a user who opens the tab during a flood waits
 *   behind all of it (76-100 s for 200); newest first, the user goes ahead of the backlog, and
 *   whatever the flood's size it costs the portal at most `perMinute` calls a minute. A frame
 *   not answered in time gets `frameBusy` (a page that posts the frame again by itself), and a
 *   check already under way still stores its verdict, so the repeat finds it.
 * Both budgets (per source, per portal) are spent from buckets in the database (`buckets`), so
 * they hold for all web processes together (issue 12). The marks (a refused source, a genuine
 * one) stay in each process: they only choose who waits and who goes first, and a refused source
 * can cost at most one more check per process before every one of them bars it.
 */
const USER_CHECK_TTL_MS = 5 * 60_000;
const FAILED_CHECK_TTL_MS = 30_000;
/** Uncached frame checks per source address: 20 at once, then two a second (20 per 10 s). */
const FRAME_CHECKS_PER_SOURCE: RateBudget = { burst: 20, intervalMs: 500 };
/** A source the portal refused a token from waits this long before its next unverified check. */
const REFUSED_SOURCE_MS = 30_000;
/** A source with an accepted token is served first for this long. */
const GENUINE_SOURCE_MS = 60 * 60_000;
/**
 * The budget is per portal for all web processes together: half of Bitrix24's standard drain
 * (2/s), so sync keeps the other half under any flood. Concurrency and the backlog are per
 * process (they hold that process's own requests). 5 s from arrival to answer leaves the rest of
 * the ~10 s a portal gives a frame for the redirect to the card page.
 */
export const FRAME_LANE: Omit<CheckLaneOptions, 'clock'> = { perMinute: 60, burst: 10, concurrency: 4, deadlineMs: 5_000, maxWaiting: 50 };
/** How soon the busy page posts the frame again. */
const RETRY_MS = 2_000;
/** Expired verdicts are swept after this many new ones (per process). */
const PRUNE_EVERY = 200;

/** The portal said no to the token itself (not a fault of the portal or the network). */
const tokenRefused = (error: unknown) => isKamError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'TOKEN_EXPIRED');
/**
 * The portal could not answer for the token (its rate limit, an outage, the network): that says
 * nothing about the token, so no verdict is kept and the frame retries by itself.
 */
const portalBusy = (error: unknown) => isKamError(error) && (error.code === 'RATE_LIMITED' || error.code === 'CRM_UNAVAILABLE' || error.code === 'NETWORK');

/** The frame was not checked in time: the frame page posts itself again after `retryAfterMs`. */
export const frameBusy = (retryAfterMs: number) =>
  new KamError('RATE_LIMITED', 'The frame token could not be checked in time; the frame retries by itself', { details: { reason: 'frameBusy', retryAfterMs } });

export function createFrameCheck(
  askPortal: (installation: Installation, accessToken: string) => Promise<void>,
  options: { verdicts: FrameCheckStore; buckets: RateBucketStore; now?: () => number; lane?: Partial<CheckLaneOptions> },
) {
  const now = options.now ?? Date.now;
  const { verdicts, buckets } = options;
  const refusedSources = createMarks({ ttlMs: REFUSED_SOURCE_MS, now });
  const genuineSources = createMarks({ ttlMs: GENUINE_SOURCE_MS, now });
  // One lane per installation: only installations we know get one, so the map is bounded by them.
  const lanes = new Map<string, CheckLane>();
  const laneOf = (installationId: string) => {
    let lane = lanes.get(installationId);
    if (!lane) lanes.set(installationId, (lane = createCheckLane({ ...FRAME_LANE, ...options.lane, shared: { buckets, key: `bitrix24:frame-lane:${installationId}` } })));
    return lane;
  };
  let written = 0;
  const remember = async (keyHash: string, installationId: string, accepted: boolean) => {
    await verdicts.remember({ keyHash, installationId, accepted, expiresAt: new Date(now() + (accepted ? USER_CHECK_TTL_MS : FAILED_CHECK_TTL_MS)) });
    written += 1;
    if (written % PRUNE_EVERY === 0) await verdicts.prune();
  };
  const refused = (cause?: unknown) => fail(new KamError('UNAUTHORIZED', 'The portal did not accept the frame token', cause === undefined ? {} : { cause }));

  /** The call itself; it stores its verdict even when the frame that asked was answered already. */
  const ask = async (installation: Installation, accessToken: string, keyHash: string, source: string | undefined): Promise<Result<Installation>> => {
    try {
      await askPortal(installation, accessToken);
    } catch (error) {
      if (portalBusy(error)) return fail(frameBusy(RETRY_MS));
      if (source && tokenRefused(error)) refusedSources.mark(source);
      await remember(keyHash, installation.id, false);
      return refused(error);
    }
    if (source) genuineSources.mark(source);
    await remember(keyHash, installation.id, true);
    return ok(installation);
  };

  const check = async (installation: Installation, accessToken: string, source?: string): Promise<Result<Installation>> => {
    if (!accessToken) return fail(new KamError('UNAUTHORIZED', 'The frame brought no token'));
    const keyHash = createHash('sha256').update(`${installation.id}:${accessToken}`).digest('hex');
    const known = await verdicts.find(keyHash);
    if (known) return known.accepted ? ok(installation) : refused();
    // A request without a source (the pages' own re-check) cannot be told apart: never barred as a source.
    const barred = source ? refusedSources.remaining(source) : 0;
    if (barred > 0) return fail(frameBusy(Math.max(RETRY_MS, barred)));
    // Without a source, the portal stands in for one: one shared bucket for them all would shrink
    // every portal's share as the fleet grows (the budget is no longer per process).
    const sourceKey = source ? `bitrix24:frame-source:${source}` : `bitrix24:frame-source:none:${installation.id}`;
    if (!(await buckets.take(sourceKey, FRAME_CHECKS_PER_SOURCE, now()))) return fail(new KamError('RATE_LIMITED', 'Too many card-tab checks from this address; try again in a moment'));
    const outcome = await laneOf(installation.id).run(() => ask(installation, accessToken, keyHash, source), { preferred: source ? genuineSources.remaining(source) > 0 : false });
    return outcome.ran ? outcome.value : fail(frameBusy(RETRY_MS));
  };
  return Object.assign(check, { lanes: (installationId: string) => lanes.get(installationId)?.stats() ?? null });
}
