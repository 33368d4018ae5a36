import { scheduleOf } from '../../../bench/scale/event-load';
import { eventFate, eventSchedule, parseScaleFlags, percentiles, perMinute, splitInstallations } from '../../../bench/scale/scale-kit';

describe('scale bench kit', () => {
  it('nearest-rank percentiles: p50 / p95 / p99 / max of 1..100 ms are 50 / 95 / 99 / 100, in any order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    // Ten values: p99 is the largest (rank ceil(9.9) = 10), p50 the fifth.
    expect(percentiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000])).toMatchObject({ p50: 5, p95: 1000, p99: 1000 });
    expect(percentiles([]).count).toBe(0);
  });

  it('the schedule is open-loop: rate x seconds events, evenly due, seeded targets spread over every target', () => {
    const schedule = eventSchedule({ rate: 2000, seconds: 5, targets: 40, seed: 11 });
    expect(schedule).toHaveLength(10_000);
    expect(schedule[0]?.atMs).toBe(0);
    expect(schedule[1]?.atMs).toBeCloseTo(0.5);
    expect(schedule[9_999]?.atMs).toBeCloseTo(4999.5);
    const perTarget = new Map<number, number>();
    for (const event of schedule) perTarget.set(event.target, (perTarget.get(event.target) ?? 0) + 1);
    expect([...perTarget.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // 250 each on average; a seeded uniform draw stays well within +-40 %.
    for (const count of perTarget.values()) expect(Math.abs(count - 250)).toBeLessThan(100);
    expect(eventSchedule({ rate: 2000, seconds: 5, targets: 40, seed: 11 })).toEqual(schedule);
    expect(eventSchedule({ rate: 2000, seconds: 5, targets: 40, seed: 12 })).not.toEqual(schedule);
    expect(() => eventSchedule({ rate: 10, seconds: 1, targets: 0, seed: 1 })).toThrow('at least one target');
  });

  it('an acknowledged event ends as a mark, a re-read (a mark made at or after it was cleared), or lost', () => {
    expect(eventFate(1000, { markedNow: true, lastMarkCleared: null })).toBe('marked');
    expect(eventFate(1000, { markedNow: false, lastMarkCleared: 1000 })).toBe('reread');
    expect(eventFate(1000, { markedNow: false, lastMarkCleared: 1500 })).toBe('reread');
    // The only mark seen is older than the event: the read it caused may have happened before the event.
    expect(eventFate(1000, { markedNow: false, lastMarkCleared: 999 })).toBe('lost');
    expect(eventFate(1000, { markedNow: false, lastMarkCleared: null })).toBe('lost');
  });

  it('flags: defaults, worker lists, and a clear error for a bad value', () => {
    expect(parseScaleFlags([])).toMatchObject({ installations: 200, workers: [1, 2, 4], web: 1, rates: [200, 1000, 2000], seconds: 5, killWorker: true, workerNice: 0, json: false });
    expect(parseScaleFlags(['--worker-nice', '5']).workerNice).toBe(5);
    expect(parseScaleFlags(['--worker-nice', '40']).workerNice).toBe(19);
    expect(parseScaleFlags(['--installations', '20', '--workers', '2', '--web', '2', '--events-per-second', '500', '--no-kill', '--json'])).toMatchObject({ installations: 20, workers: [2], web: 2, rates: [500], killWorker: false, json: true });
    expect(parseScaleFlags(['--short'])).toMatchObject({ installations: 40, workers: [2], rates: [200, 1000], seconds: 2 });
    expect(parseScaleFlags(['--short', '--installations', '10'])).toMatchObject({ installations: 10, workers: [2] });
    expect(() => parseScaleFlags(['--workers', '1,x'])).toThrow('--workers wants a list of whole numbers from 1 to 16');
    expect(() => parseScaleFlags(['--events-per-second', '0'])).toThrow('--events-per-second wants a list of whole numbers from 1 to 100000');
    expect(() => parseScaleFlags(['--web', '0'])).toThrow('--web wants a whole number >= 1, got 0');
    expect(() => parseScaleFlags(['--seconds', '0'])).toThrow('--seconds wants a whole number >= 1, got 0');
    expect(() => parseScaleFlags(['--worker-nice', '-1'])).toThrow('--worker-nice wants a whole number >= 0, got -1');
  });

  it('splits installations between the CRMs and turns counts into a rate per minute', () => {
    expect(splitInstallations(200)).toEqual({ bitrix24: 100, amocrm: 100 });
    expect(splitInstallations(5)).toEqual({ bitrix24: 3, amocrm: 2 });
    expect(perMinute(200, 120)).toBe(100);
    expect(perMinute(5, 0)).toBe(0);
  });

  it('generators sharing a schedule send every event of it exactly once, each at its own due time', () => {
    const load = { rate: 1000, seconds: 2, seed: 7, targets: Array.from({ length: 30 }, () => ({ url: 'http://x/e', body: '', contentType: 'text/plain' })) };
    const whole = scheduleOf(load);
    const parts = [0, 1, 2].map((index) => scheduleOf({ ...load, part: { index, of: 3 } }));
    expect(parts.map((part) => part.length)).toEqual([667, 667, 666]);
    const joined = parts.flat().sort((a, b) => a.atMs - b.atMs);
    expect(joined).toEqual(whole);
  });
});
