import { earlierAttempts, withEarlier } from '../../../src/app/demo/run-workers-demo';
import type { CycleReport } from '../../../src/app/cycle/run-cycle';
import type { RequestCounts } from '../../../src/core/ports/crm-connector.port';
import type { JobAttempt } from '../../../src/jobs/job-attempts';

/**
 * A pass's figures are the job's output (the attempt that completed it) plus what every other
 * attempt did: a killed one (never ended), a failed one, and one whose row ended `completed` but
 * whose worker died before pg-boss heard it, so the job ran again.
 */
const requests = (writeBack: number, sync: number): RequestCounts => ({
  requests: writeBack + sync,
  byPhase: { setup: 0, sync, writeBack, other: 0 },
  byMethod: { batch: writeBack + sync },
  rejections: {},
});
const attempt = (ended: JobAttempt['ended'], sofar: Record<string, unknown>): JobAttempt => ({ attempt: 'a', jobId: 'j', worker: 'w', ended, sofar });
const synced = (companies: number) => ({ companies, contacts: 0, deals: 0 });

it('adds every attempt but the last completed one, a completed one that was retried included', () => {
  const attempts = [
    attempt('completed', { requests: requests(4, 6), synced: synced(40) }),
    attempt(null, { requests: requests(1, 0), synced: synced(0) }),
    attempt('failed', { requests: requests(0, 2) }),
    attempt('completed', { requests: requests(3, 1), synced: synced(0) }),
  ];
  const earlier = earlierAttempts(attempts);
  expect(earlier).toEqual([attempts[0]?.sofar, attempts[1]?.sofar, attempts[2]?.sofar]);
  const output = { sync: synced(0), api: requests(3, 1) } as unknown as CycleReport;
  const pass = withEarlier(output, earlier);
  expect(pass.sync).toEqual(synced(40));
  expect(pass.api).toMatchObject({ requests: 17, byPhase: { sync: 9, writeBack: 8 }, byMethod: { batch: 17 } });
});

it('adds nothing when the one attempt completed', () => {
  expect(earlierAttempts([attempt('completed', { requests: requests(4, 6) })])).toEqual([]);
});
