import { createFrameCheck } from '../../../src/connectors/bitrix24/bitrix24-frame-check';
import { KamError, type Result } from '../../../src/core/errors';
import type { FrameCheckStore, FrameCheckVerdict } from '../../../src/core/ports/frame-check-store.port';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import { createMemoryRateBuckets } from '../../../src/core/rate-bucket';
import { ManualLaneClock, settle } from '../../support/manual-lane-clock';

/**
 * The card-frame check under a bogus-token flood (issue 9, security 3): a genuine user with a new
 * token gets through within the frame's time, the portal is asked a bounded number of times (the
 * calls are counted), a refused source is not checked again for a while, and a check the frame
 * could not wait for still leaves its verdict for the frame's next try.
 */
const installation = { id: 'inst-b', crm: 'bitrix24', externalId: 'member-b' } as Installation;
const GENUINE = new Set(['user-token', 'user-token-2', 'user-token-3']);

function setUp(options: { hold?: boolean } = {}) {
  const clock = new ManualLaneClock();
  const rows = new Map<string, FrameCheckVerdict>();
  const verdicts: FrameCheckStore = {
    find: async (keyHash) => {
      const row = rows.get(keyHash);
      return row && row.expiresAt.getTime() > clock.now() ? row : null;
    },
    remember: async (verdict) => void rows.set(verdict.keyHash, verdict),
    prune: async () => 0,
  };
  const asked: string[] = [];
  const askedAt: number[] = [];
  const held: Array<() => void> = [];
  const askPortal = async (_installation: Installation, token: string) => {
    asked.push(token);
    askedAt.push(clock.now());
    if (options.hold) await new Promise<void>((resolve) => held.push(resolve));
    if (!GENUINE.has(token)) throw new KamError('TOKEN_EXPIRED', 'invalid_token');
  };
  const check = createFrameCheck(askPortal, { verdicts, buckets: createMemoryRateBuckets(), now: clock.now, lane: { clock } });
  const outcome = (token: string, source?: string) => {
    const answer: { result?: Result<Installation> } = {};
    void check(installation, token, source).then((result) => (answer.result = result));
    return answer;
  };
  return { clock, check, asked, askedAt, held, rows, outcome };
}

const busy = (result: Result<unknown> | undefined) => !!result && !result.ok && result.error.details.reason === 'frameBusy';

describe('Bitrix24 card-frame check under a flood', () => {
  it('200 bogus tokens from 200 addresses at once: a genuine user arriving after them is through within the frame time, and the flood costs the portal at most the lane budget a minute', async () => {
    const { clock, asked, askedAt, outcome } = setUp();
    const flood = Array.from({ length: 200 }, (_, i) => outcome(`bogus-${i}`, `10.7.0.${i}`));
    await clock.advance(300);
    const user = outcome('user-token', '10.1.0.4');
    await clock.advance(2_000);
    expect(user.result).toEqual({ ok: true, value: installation });
    // The flood keeps coming from fresh addresses for a minute.
    for (let second = 0; second < 60; second += 1) {
      for (let i = 0; i < 5; i += 1) outcome(`later-${second}-${i}`, `10.6.${second}.${i}`);
      await clock.advance(1_000);
    }
    await clock.advance(10_000);
    // In any minute: 10 at once, then one a second, the genuine one among them (FIFO asked all 501).
    const inMinuteFrom = (start: number) => askedAt.filter((at) => at >= start && at < start + 60_000).length;
    expect(Math.max(...askedAt.map(inMinuteFrom))).toBeLessThanOrEqual(10 + 60);
    expect(asked.length).toBeLessThan(100);
    expect(asked.filter((token) => token === 'user-token')).toHaveLength(1);
    // Every frame got an answer: refused (401) or told to come back (a page that retries), no 5xx.
    expect(flood.every(({ result }) => result && !result.ok && (result.error.code === 'UNAUTHORIZED' || busy(result)))).toBe(true);
  });

  it('a source the portal refused a token from gets no unverified check for 30 s (no call), other sources and known tokens still do', async () => {
    const { clock, check, asked } = setUp();
    expect(await check(installation, 'user-token', '10.2.0.1')).toMatchObject({ ok: true });
    const refused = await check(installation, 'bogus-1', '10.2.0.1');
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const barred = await check(installation, 'user-token-2', '10.2.0.1');
    expect(busy(barred)).toBe(true);
    expect(asked).toEqual(['user-token', 'bogus-1']);
    // Its token checked before stays good; the same bogus token again is refused from the store.
    expect(await check(installation, 'user-token', '10.2.0.1')).toMatchObject({ ok: true });
    expect(await check(installation, 'bogus-1', '10.2.0.2')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await check(installation, 'user-token-3', '10.2.0.3')).toMatchObject({ ok: true });
    // A check without a source (the pages' own) is never barred as one.
    expect(await check(installation, 'bogus-2')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await check(installation, 'user-token-2')).toMatchObject({ ok: true });
    expect(asked).toEqual(['user-token', 'bogus-1', 'user-token-3', 'bogus-2', 'user-token-2']);
    await clock.advance(30_000);
    expect(await check(installation, 'bogus-3', '10.2.0.1')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('a portal that does not answer in time: the frame is told to retry, the check goes on, and the retry finds its verdict without a second call', async () => {
    const { clock, held, asked, outcome, check } = setUp({ hold: true });
    const first = outcome('user-token', '10.3.0.1');
    await clock.advance(5_000);
    expect(busy(first.result)).toBe(true);
    expect(first.result).toMatchObject({ error: { status: 429, details: { retryAfterMs: 2_000 } } });
    held.forEach((release) => release());
    await settle();
    expect(await check(installation, 'user-token', '10.3.0.1')).toMatchObject({ ok: true });
    expect(asked).toEqual(['user-token']);
  });

  it('a source with a genuine verdict goes ahead of newer unknown sources', async () => {
    const { clock, held, asked, outcome } = setUp({ hold: true });
    outcome('user-token', '10.4.0.1');
    await settle();
    held.shift()?.();
    await settle();
    // Four checks hang at the portal (the lane runs four at once): the rest wait.
    for (let i = 0; i < 13; i += 1) outcome(`bogus-${i}`, `10.5.0.${i}`);
    await settle();
    const known = outcome('user-token-2', '10.4.0.1');
    for (let i = 13; i < 20; i += 1) outcome(`bogus-${i}`, `10.5.0.${i}`);
    await settle();
    expect(asked).toHaveLength(5);
    held.shift()?.();
    await settle();
    expect(asked[5]).toBe('user-token-2');
    held.forEach((release) => release());
    await clock.advance(1_000);
    expect(known.result).toMatchObject({ ok: true });
  });
});

describe('Bitrix24 card-frame check when the portal cannot answer', () => {
  it.each(['RATE_LIMITED', 'CRM_UNAVAILABLE', 'NETWORK'] as const)('a %s answer keeps no verdict: the frame retries by itself and the next try asks again', async (code) => {
    const rows = new Map<string, FrameCheckVerdict>();
    const verdicts: FrameCheckStore = {
      find: async (keyHash) => rows.get(keyHash) ?? null,
      remember: async (verdict) => void rows.set(verdict.keyHash, verdict),
      prune: async () => 0,
    };
    let portalBusy = true;
    const asked: string[] = [];
    const check = createFrameCheck(async (_installation, token) => {
      asked.push(token);
      if (portalBusy) throw new KamError(code, 'the portal could not answer');
    }, { verdicts, buckets: createMemoryRateBuckets() });
    const first = await check(installation, 'user-token', '10.1.0.9');
    expect(busy(first)).toBe(true);
    expect(rows.size).toBe(0);
    portalBusy = false;
    expect(await check(installation, 'user-token', '10.1.0.9')).toEqual({ ok: true, value: installation });
    expect(asked).toEqual(['user-token', 'user-token']);
  });
});

describe('Bitrix24 card-frame check without a source address (the pages\' own re-check)', () => {
  it('counts such checks per portal: one portal using up its share leaves another portal its own', async () => {
    const clock = new ManualLaneClock();
    const rows = new Map<string, FrameCheckVerdict>();
    const verdicts: FrameCheckStore = { find: async (keyHash) => rows.get(keyHash) ?? null, remember: async (verdict) => void rows.set(verdict.keyHash, verdict), prune: async () => 0 };
    const check = createFrameCheck(async () => undefined, {
      verdicts, buckets: createMemoryRateBuckets(), now: clock.now, lane: { clock, burst: 100, perMinute: 6_000, concurrency: 100 },
    });
    const other = { ...installation, id: 'inst-c', externalId: 'member-c' } as Installation;
    const codes: string[] = [];
    for (let i = 0; i < 21; i += 1) {
      const result = await check(installation, `token-${i}`);
      codes.push(result.ok ? 'ok' : result.error.code);
    }
    expect(codes.slice(0, 20).every((code) => code === 'ok')).toBe(true);
    expect(codes[20]).toBe('RATE_LIMITED');
    expect(await check(other, 'token-c')).toMatchObject({ ok: true });
  });
});
