import fc from 'fast-check';
import { PAGE_SIZE, advanceWindows, initialWindowState, planWindows, type PlannedWindow, type WindowState } from '../../../src/connectors/bitrix24/id-window-walker';

/**
 * The walker is driven the way bitrix24-sync.ts drives it: discovery gives the lowest and
 * highest ID, then batch after batch of up to 50 windows, each answered as a Bitrix24 list
 * command would (`>=ID lo`, `<ID hi`, ORDER BY ID ASC, start=-1, at most 50 rows).
 */
const WINDOWS_PER_BATCH = 50;

/** A fake portal: one list command = the first 50 IDs with lo <= ID < hi (hi null = open-ended). */
function listWindow(sorted: number[], window: PlannedWindow): number[] {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] as number) < window.lo) low = mid + 1;
    else high = mid;
  }
  const page: number[] = [];
  for (let i = low; i < sorted.length && page.length < PAGE_SIZE; i += 1) {
    const id = sorted[i] as number;
    if (window.hi !== null && id >= window.hi) break;
    page.push(id);
  }
  return page;
}

/** The cursor round trip of bitrix24-sync.ts: Infinity is saved as null and read back as Infinity. */
function roundTrip(state: WindowState): WindowState {
  const position = JSON.stringify({ ...state, nextLo: Number.isFinite(state.nextLo) ? state.nextLo : null });
  const saved = JSON.parse(position) as WindowState & { nextLo: number | null };
  return { ...saved, nextLo: saved.nextLo ?? Number.POSITIVE_INFINITY };
}

interface WalkOutcome {
  read: number[];
  batches: number;
}

function walk(existing: number[], options: { persist?: boolean; discovered?: number[]; maxBatches?: number } = {}): WalkOutcome {
  const sorted = [...existing].sort((a, b) => a - b);
  // Discovery may have seen fewer rows than exist by the time windows are read (rows created meanwhile).
  const known = [...(options.discovered ?? existing)].sort((a, b) => a - b);
  let state = initialWindowState(known[0] ?? null, known.at(-1) ?? null);
  if (options.persist) state = roundTrip(state);
  const read: number[] = [];
  let batches = 0;
  const maxBatches = options.maxBatches ?? 100_000;
  while (!state.done) {
    const planned = planWindows(state, WINDOWS_PER_BATCH);
    if (planned.length === 0) throw new Error(`no window planned but not done: ${JSON.stringify(state)}`);
    if (planned.length > WINDOWS_PER_BATCH) throw new Error(`${planned.length} windows in one batch`);
    assertDisjoint(planned);
    const pages = planned.map((window) => listWindow(sorted, window));
    read.push(...pages.flat());
    state = advanceWindows(state, planned, pages);
    if (options.persist) state = roundTrip(state);
    batches += 1;
    if (batches > maxBatches) throw new Error(`still not done after ${maxBatches} batches`);
  }
  return { read, batches };
}

function assertDisjoint(windows: PlannedWindow[]): void {
  const ordered = [...windows].sort((a, b) => a.lo - b.lo);
  ordered.forEach((window, index) => {
    if (window.hi !== null && window.hi <= window.lo) throw new Error(`empty window ${JSON.stringify(window)}`);
    const next = ordered[index + 1];
    if (next && (window.hi === null || window.hi > next.lo)) throw new Error(`overlapping windows ${JSON.stringify([window, next])}`);
  });
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

const denseArb = fc.record({ from: fc.integer({ min: 1, max: 1_000_000 }), count: fc.integer({ min: 0, max: 8_000 }) }).map(({ from, count }) => range(from, count));
const sparseArb = fc.uniqueArray(fc.integer({ min: 1, max: 50_000_000 }), { maxLength: 2_000 });
const clusteredArb = fc
  .array(
    fc.record({ start: fc.integer({ min: 1, max: 2_000_000 }), length: fc.integer({ min: 1, max: 1_000 }), step: fc.integer({ min: 1, max: 4 }) }),
    { minLength: 1, maxLength: 5 },
  )
  .map((clusters) => [...new Set(clusters.flatMap(({ start, length, step }) => range(0, length).map((i) => start + i * step)))]);
const bigGapsArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { maxLength: 30 }), fc.integer({ min: 0, max: 300 }))
  .map(([lone, denseCount]) => [...new Set([...lone, ...range(1, denseCount)])]);
const idSetArb = fc.oneof(denseArb, sparseArb, clusteredArb, bigGapsArb, fc.constant<number[]>([]));

/** What went wrong in one walk, compactly (deep-comparing 8,000-element arrays is slow). */
function discrepancies(expected: number[], read: number[]): { missed: number[]; duplicated: number[]; unexpected: number[] } {
  const want = new Set(expected);
  const seen = new Set<number>();
  const duplicated: number[] = [];
  const unexpected: number[] = [];
  for (const id of read) {
    if (seen.has(id)) duplicated.push(id);
    else if (!want.has(id)) unexpected.push(id);
    seen.add(id);
  }
  const missed = [...want].filter((id) => !seen.has(id));
  return { missed: missed.slice(0, 10), duplicated: duplicated.slice(0, 10), unexpected: unexpected.slice(0, 10) };
}
const CLEAN = { missed: [], duplicated: [], unexpected: [] };

describe('ID window walker (full listing by ID windows in batches)', () => {
  it('reads every existing ID exactly once, whatever the ID distribution', () => {
    fc.assert(
      fc.property(idSetArb, (ids) => {
        const { read } = walk(ids);
        expect(discrepancies(ids, read)).toEqual(CLEAN);
        expect(read).toHaveLength(ids.length);
      }),
      { numRuns: 80 },
    );
  });

  it('resumes correctly when the state is saved as JSON between batches (nextLo Infinity <-> null)', () => {
    fc.assert(
      fc.property(idSetArb, (ids) => {
        const { read, batches } = walk(ids, { persist: true });
        expect(discrepancies(ids, read)).toEqual(CLEAN);
        expect(batches).toBe(walk(ids).batches); // persistence changes nothing
      }),
      { numRuns: 40 },
    );
  });

  it('reads rows created above the discovered max ID through the open-ended last window', () => {
    fc.assert(
      fc.property(denseArb, fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 200 }), (before, offsets) => {
        const top = before.at(-1) ?? 0;
        const created = offsets.map((offset) => top + offset);
        const { read } = walk([...before, ...created], { discovered: before });
        expect(discrepancies([...before, ...created], read)).toEqual(CLEAN);
      }),
      { numRuns: 40 },
    );
  });

  it('needs ceil(N / 2500) batches (+1 at most) for N dense IDs: 50 windows x 50 rows per request', () => {
    fc.assert(
      fc.property(denseArb, (ids) => {
        const { batches } = walk(ids);
        const ideal = Math.max(1, Math.ceil(ids.length / (WINDOWS_PER_BATCH * PAGE_SIZE)));
        expect(batches).toBeGreaterThanOrEqual(ideal);
        expect(batches).toBeLessThanOrEqual(ideal + 1);
      }),
      { numRuns: 60 },
    );
    // Fixed points, so a regression names the size.
    expect(walk(range(1, 1_990)).batches).toBe(1);
    expect(walk(range(1, 10_000)).batches).toBeLessThanOrEqual(5);
    expect(walk(range(1, 25_000)).batches).toBeLessThanOrEqual(11);
  });

  it('finishes an empty portal in one request', () => {
    const state = initialWindowState(null, null);
    const planned = planWindows(state, WINDOWS_PER_BATCH);
    expect(planned).toMatchObject([{ lo: 0, hi: null }]);
    expect(advanceWindows(state, planned, [[]]).done).toBe(true);
  });

  it('keeps a full page as a gap starting after its last row, and drops a page that provably ends at hi - 1', () => {
    const state = initialWindowState(1, 1_000);
    const planned = [
      { lo: 1, hi: 51 },
      { lo: 51, hi: 101 },
    ];
    const sparseFull = range(0, PAGE_SIZE).map((i) => 51 + i); // 51..100: ends at hi - 1, complete
    const next = advanceWindows(state, planned, [range(1, PAGE_SIZE), sparseFull]);
    expect(next.gaps).toEqual([]);
    expect(next.nextLo).toBe(101);

    const wide = { ...state, width: 1_000 };
    const wideWindow = [{ lo: 1, hi: 1_001 }];
    const after = advanceWindows(wide, wideWindow, [range(1, PAGE_SIZE)]);
    expect(after.gaps.map(([lo, hi]) => [lo, hi])).toEqual([[51, 1_001]]);
    // The rest of the window is read at the density the full page showed (50 rows over 50 IDs).
    expect(after.gaps[0]?.[2]).toBe(PAGE_SIZE);
    expect(after.done).toBe(false);
  });

  /*
   * EFFICIENCY BUG (id-window-walker.ts, planWindows lines 35 and advanceWindows line 59): a gap left
   * by a full wide window is re-planned as ONE window and never split, so a dense cluster that sits
   * behind a sparse stretch (e.g. after a mass delete) is read 50 rows per request instead of 2,500.
   * IDs {1} + 100000..119999 (20,001 rows; ideal 9 requests) take 351 requests; 1..5000 +
   * 1000000..1009999 (15,000 rows; ideal 6-7) take 154. Kept out of the suite until source changes.
   */
  it('reads a dense cluster behind a sparse stretch at close to 2,500 rows per request', () => {
    const ids = [1, ...range(100_000, 20_000)];
    const { read, batches } = walk(ids);
    expect(discrepancies(ids, read)).toEqual(CLEAN);
    expect(batches).toBeLessThanOrEqual(Math.ceil(ids.length / 2_500) + 3);
  });
});
