import { createBitrix24Inbound } from '../../../src/connectors/bitrix24/bitrix24-inbound';
import { KamError, type Result } from '../../../src/core/errors';
import type { CrmInbound } from '../../../src/core/ports/crm-connector.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import { ManualLaneClock, settle } from '../../support/manual-lane-clock';
import { sharedDatabases } from '../../support/shared-database';

/**
 * Issue 12, "nothing that must hold across processes lives in process memory": two web processes
 * (two createStorage on one database, each with its own Bitrix24 inbound edge) spend one budget
 * between them. Kept per process, each would allow the whole budget (120 exchanges a minute for
 * two, a burst of 20 frame checks at a portal); shared, they allow what one process does.
 * Time is a hand-driven clock; the test waits for the database calls themselves to finish.
 */
const engines = sharedDatabases('budgets');

/**
 * Storage whose ports handed to the inbound edge count their calls still under way, to wait on
 * them. Every port's every method, the installation lookup too: on PostgreSQL a lookup left out
 * was a database call the test could not see, so under load the flood was still reading its
 * installation when the test looked, found no check started yet, and failed (0 checks, not 10).
 */
function tracked(storage: Storage) {
  let pending = 0;
  const track = <P extends object>(port: P): P =>
    Object.fromEntries(
      Object.entries(port).map(([name, method]) => [
        name,
        typeof method !== 'function'
          ? method
          : (...args: unknown[]) => {
              const answer: unknown = method.apply(port, args);
              if (!(answer instanceof Promise)) return answer;
              pending += 1;
              return answer.finally(() => (pending -= 1));
            },
      ]),
    ) as P;
  return {
    storage: { ...storage, installations: track(storage.installations), frameChecks: track(storage.frameChecks), rateBuckets: track(storage.rateBuckets) },
    pending: () => pending,
  };
}

describe.each(engines)('budgets shared by two web processes: %s', (_name, engine) => {
  let drop: () => Promise<void>;
  const handles: Storage[] = [];
  const counters: Array<() => number> = [];
  const calls = { exchanges: 0, frameChecks: [] as string[] };

  /** Both processes' database calls have finished (checked over a few turns: one call's end may start the next). */
  const quiet = async () => {
    for (let idle = 0; idle < 3; ) {
      await settle();
      idle = counters.every((pending) => pending() === 0) ? idle + 1 : 0;
    }
  };

  const process = (storage: Storage, clock: ManualLaneClock): CrmInbound => {
    const { storage: watched, pending } = tracked(storage);
    counters.push(pending);
    return createBitrix24Inbound({
      installations: watched.installations,
      frameVerdicts: watched.frameChecks,
      rateBuckets: watched.rateBuckets,
      portalHosts: /^[a-z0-9-]+\.bitrix24\.test$/,
      callWithToken: () => Promise.reject(new Error('no portal call is expected')),
      identify: async () => {
        calls.exchanges += 1;
        throw new KamError('UNAUTHORIZED', 'invalid_grant');
      },
      checkFrameUser: async (_installation, token) => {
        calls.frameChecks.push(token);
        throw new KamError('TOKEN_EXPIRED', 'invalid_token');
      },
      clock,
    });
  };

  beforeAll(async () => {
    const opened = await engine();
    drop = opened.drop;
    handles.push(await opened.open(), await opened.open());
  });
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    await drop();
  });

  const code = (result: Result<unknown>) => (result.ok ? 'ok' : result.error.code);
  const tally = (codes: string[]) => codes.reduce<Record<string, number>>((all, c) => ({ ...all, [c]: (all[c] ?? 0) + 1 }), {});

  it('OAuth exchanges on the install path: 60 a minute across both processes, the 61st and later refused, racing or not', async () => {
    const clock = new ManualLaneClock();
    const web = handles.map((storage) => process(storage, clock));
    const install = (i: number, source: string) =>
      web[i % 2]!.verifyInstall({ query: { DOMAIN: `p${i}.bitrix24.test` }, body: { member_id: `m${i}`, AUTH_ID: 'a', REFRESH_ID: `r${i}` }, headers: {}, source });
    // 70 installs at once from 70 addresses, half through each process.
    const answers = await Promise.all(Array.from({ length: 70 }, (_, i) => install(i, `10.20.0.${i}`)));
    expect(calls.exchanges).toBe(60);
    expect(tally(answers.map(code))).toEqual({ UNAUTHORIZED: 60, RATE_LIMITED: 10 });
    // A second later, one more, through whichever process asks first.
    await clock.advance(1_000);
    expect([code(await install(70, '10.20.1.1')), code(await install(71, '10.20.1.2'))]).toEqual(['UNAUTHORIZED', 'RATE_LIMITED']);
    expect(calls.exchanges).toBe(61);
    // A minute on, one address gets 10 between both processes, not 10 through each.
    await clock.advance(60_000);
    const fromOne = [];
    for (let i = 0; i < 14; i += 1) fromOne.push(code(await install(100 + i, '10.20.2.1')));
    expect(tally(fromOne)).toEqual({ UNAUTHORIZED: 10, RATE_LIMITED: 4 });
    expect(calls.exchanges).toBe(71);
  });

  it('card-frame checks under a bogus-token flood: the portal lane budget (10 at once, then one a second) is one for both processes', async () => {
    const clock = new ManualLaneClock();
    const web = handles.map((storage) => process(storage, clock));
    await handles[0]!.installations.upsert({ crm: 'bitrix24', externalId: 'member-flood', domain: 'flood.bitrix24.test', clientEndpoint: 'https://flood.bitrix24.test/rest/', status: 'active' });
    const answers: Array<Result<unknown>> = [];
    for (let i = 0; i < 60; i += 1) {
      void web[i % 2]!.verifyWidget({ query: {}, body: { member_id: 'member-flood', AUTH_ID: `bogus-${i}` }, headers: {}, source: `10.30.0.${i}` }).then((answer) => answers.push(answer));
    }
    await quiet();
    // Kept per process, each would have let its own burst of 10 through: 20 at once.
    expect(calls.frameChecks).toHaveLength(10);
    for (let second = 1; second <= 4; second += 1) {
      await clock.advance(1_000);
      await quiet();
      expect([second, calls.frameChecks.length]).toEqual([second, 10 + second]);
    }
    // At 5 s the frames still waiting are told to come back; every one of them has its answer.
    await clock.advance(1_000);
    await quiet();
    expect(answers).toHaveLength(60);
    expect(calls.frameChecks.length).toBeLessThanOrEqual(15);
    const codes = tally(answers.map(code));
    expect(codes.UNAUTHORIZED).toBe(calls.frameChecks.length);
    expect(codes.RATE_LIMITED).toBe(60 - calls.frameChecks.length);
  });
});
