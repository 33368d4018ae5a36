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
  /** Windows (lo inclusive, hi exclusive; hi null = open-ended) still to read, in ID order. */
  gaps: Array<[number, number | null]>;
  /** Where unplanned territory starts. */
  nextLo: number;
  /** The highest ID that existed when the walk began; past it the last window is open-ended. */
  maxId: number;
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
}

/** Takes up to `count` windows: gaps first, then fresh territory. Mutates nothing. */
export function planWindows(state: WindowState, count: number): PlannedWindow[] {
  const planned: PlannedWindow[] = state.gaps.slice(0, count).map(([lo, hi]) => ({ lo, hi }));
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
  const gaps: Array<[number, number | null]> = [];
  let rows = 0;
  let span = 0;
  let nextLo = state.nextLo;
  planned.forEach((window, index) => {
    const ids = pages[index] ?? [];
    rows += ids.length;
    const last = ids.length > 0 ? Math.max(...ids) : null;
    const provablyComplete = ids.length < PAGE_SIZE || (window.hi !== null && last === window.hi - 1);
    if (!provablyComplete && last !== null) gaps.push([last + 1, window.hi]);
    if (window.hi !== null) span += window.hi - window.lo;
    if (index >= state.gaps.length) nextLo = window.hi ?? Number.POSITIVE_INFINITY;
  });
  const remainingOldGaps = state.gaps.slice(planned.length);
  const allGaps = [...remainingOldGaps, ...gaps].sort((a, b) => a[0] - b[0]);
  // Aim for about 45 rows per window from the density seen so far.
  const density = span > 0 ? rows / span : 1;
  const width = Math.max(PAGE_SIZE, Math.min(MAX_WIDTH, Math.floor((PAGE_SIZE * 0.9) / Math.max(density, 1e-6))));
  const done = allGaps.length === 0 && !Number.isFinite(nextLo);
  return { gaps: allGaps, nextLo, maxId: state.maxId, width: state.gaps.length > 0 && span === 0 ? state.width : width, done };
}
