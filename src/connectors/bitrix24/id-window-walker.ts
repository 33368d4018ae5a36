/**
 * Full listing by ID windows, packed into `batch`: each command asks for the rows with
 * lo <= ID < hi, ordered by ID, with `start=-1` (no COUNT(*); https://apidocs.bitrix24.com/settings/performance/huge-data.html).
 * A page holds at most 50 rows, so a window 50 IDs wide is provably complete in one command;
 * wider windows (for sparse IDs) that come back full leave a gap that the next batch resumes.
 * One HTTP request thus brings up to 50 x 50 = 2,500 rows, and nothing depends on undocumented
 * `$result[...]` behaviour of short pages.
 */
export const PAGE_SIZE = 50;
const MAX_WIDTH = 20_000;

export interface WindowState {
  /**
   * Ranges still to read, in ID order: [lo inclusive, hi exclusive or null = open-ended, and the
   * window width to read it with (from the density seen where it was found)].
   */
  gaps: Array<[number, number | null, number?]>;
  /** Where unplanned territory starts. */
  nextLo: number;
  /** The highest ID that existed when the walk began; past it the last window is open-ended. */
  maxId: number;
  /** Window width for fresh territory, adapted to the density seen so far. */
  width: number;
  done: boolean;
}

export function initialWindowState(minId: number | null, maxId: number | null): WindowState {
  if (minId === null || maxId === null) return { gaps: [[0, null]], nextLo: Number.POSITIVE_INFINITY, maxId: 0, width: PAGE_SIZE, done: false };
  return { gaps: [], nextLo: minId, maxId, width: PAGE_SIZE, done: false };
}

export interface PlannedWindow {
  lo: number;
  hi: number | null;
  /** True when the window reads part of a gap rather than fresh territory. */
  fromGap?: boolean;
}

/** Aim for about 45 rows per window where `rows` were seen over `span` IDs. */
const widthFor = (rows: number, span: number): number =>
  Math.max(PAGE_SIZE, Math.min(MAX_WIDTH, Math.floor((PAGE_SIZE * 0.9) / Math.max(rows / Math.max(span, 1), 1e-6))));

/** Takes up to `count` windows: gaps first (split by their own width), then fresh territory. Mutates nothing. */
export function planWindows(state: WindowState, count: number): PlannedWindow[] {
  const planned: PlannedWindow[] = [];
  for (const [gapLo, gapHi, gapWidth] of state.gaps) {
    const width = gapWidth ?? state.width;
    for (let lo = gapLo; planned.length < count && (gapHi === null || lo < gapHi); lo += width) {
      // Past the highest ID known at the start, one open-ended window catches whatever is new.
      if (gapHi === null && lo + width > state.maxId) {
        planned.push({ lo, hi: null, fromGap: true });
        break;
      }
      planned.push({ lo, hi: gapHi === null ? lo + width : Math.min(lo + width, gapHi), fromGap: true });
    }
    if (planned.length >= count) return planned;
  }
  let lo = state.nextLo;
  while (planned.length < count && Number.isFinite(lo)) {
    if (lo + state.width > state.maxId) {
      planned.push({ lo, hi: null });
      break;
    }
    planned.push({ lo, hi: lo + state.width });
    lo += state.width;
  }
  return planned;
}

/** Folds one batch's results into the state: complete windows drop out, full ones leave a gap. */
export function advanceWindows(state: WindowState, planned: PlannedWindow[], pages: number[][]): WindowState {
  const found: Array<[number, number | null, number?]> = [];
  let freshRows = 0;
  let freshSpan = 0;
  let nextLo = state.nextLo;
  planned.forEach((window, index) => {
    const ids = pages[index] ?? [];
    const last = ids.length > 0 ? Math.max(...ids) : null;
    const provablyComplete = ids.length < PAGE_SIZE || (window.hi !== null && last === window.hi - 1);
    // A full page says how dense this stretch is: read the rest of the window at that density.
    if (!provablyComplete && last !== null) found.push([last + 1, window.hi, widthFor(ids.length, last - Math.min(...ids) + 1)]);
    if (!window.fromGap) {
      freshRows += ids.length;
      if (window.hi !== null) freshSpan += window.hi - window.lo;
      nextLo = window.hi ?? Number.POSITIVE_INFINITY;
    }
  });
  // What is left of the old gaps after the parts this batch planned.
  const remaining: Array<[number, number | null, number?]> = [];
  for (const gap of state.gaps) {
    const [gapLo, gapHi, gapWidth] = gap;
    const covering = planned.filter((window) => window.fromGap && window.lo >= gapLo && (gapHi === null || window.lo < gapHi));
    if (covering.length === 0) {
      remaining.push(gap);
      continue;
    }
    // Planned windows cover the gap from its start; an open-ended window covers all the rest.
    if (covering.some((window) => window.hi === null)) continue;
    const coveredTo = Math.max(...covering.map((window) => window.hi as number));
    if (gapHi === null || coveredTo < gapHi) remaining.push([coveredTo, gapHi, gapWidth]);
  }
  const gaps = [...remaining, ...found].sort((a, b) => a[0] - b[0]);
  const width = freshSpan > 0 ? widthFor(freshRows, freshSpan) : state.width;
  const done = gaps.length === 0 && !Number.isFinite(nextLo);
  return { gaps, nextLo, maxId: state.maxId, width, done };
}
