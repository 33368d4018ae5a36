import { createRequestMeter, type RequestCounts } from '../../../src/connectors/shared/request-meter';

describe('request meter watchers', () => {
  it('hold each request until every watcher has taken its counts, survive a failing watcher, and stop when unwatched', async () => {
    const meter = createRequestMeter();
    const seen: number[] = [];
    let release!: () => void;
    const unwatch = meter.watch(async (counts: RequestCounts) => {
      seen.push(counts.requests);
      if (counts.requests === 1) await new Promise<void>((done) => (release = done));
    });
    meter.watch(async () => {
      throw new Error('database down');
    });
    let first = false;
    const recorded = meter.inPhase('sync', () => meter.record('crm.item.list')).then(() => (first = true));
    await Promise.resolve();
    expect(seen).toEqual([1]);
    expect(first).toBe(false);
    release();
    await recorded;
    expect(first).toBe(true);
    unwatch();
    await meter.record('batch');
    expect(seen).toEqual([1]);
    expect(meter.snapshot()).toMatchObject({ requests: 2, byPhase: { sync: 1, other: 1 }, byMethod: { 'crm.item.list': 1, batch: 1 } });
  });
});
