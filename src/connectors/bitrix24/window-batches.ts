import { KamError } from '../../core/errors';
import type { EntityKind } from '../../core/model/synced';
import type { BatchCommand, Bitrix24Client, Params } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import type { Row } from './bitrix24-mapper';
import { advanceWindows, planWindows, type PlannedWindow, type WindowState } from './id-window-walker';

/**
 * Drives ID-window walks over several entity streams at once, 50 list commands to a `batch`
 * (see id-window-walker.ts). Both the full sync and the reconcile use it; they differ only in
 * the filter each stream carries and in what they do after each request.
 */
export const LIST_METHOD: Record<EntityKind, string> = { company: 'crm.company.list', contact: 'crm.contact.list', deal: 'crm.deal.list' };

export interface StreamWalk {
  kind: EntityKind;
  state: WindowState;
  /** Extra filter on every window (e.g. `>=DATE_MODIFY` for the reconcile). */
  filter: Params;
  select: string[];
}

export function listCommand(key: string, walk: Pick<StreamWalk, 'kind' | 'select'>, filter: Params, extra: Params = {}): BatchCommand {
  return { key, method: LIST_METHOD[walk.kind], params: { order: { ID: 'ASC' }, filter, select: walk.select, start: -1, ...extra } };
}

const windowFilter = (window: PlannedWindow): Params => (window.hi === null ? { '>=ID': window.lo } : { '>=ID': window.lo, '<ID': window.hi });

/** What one request brought for one stream: its rows, and how many of its commands the portal refused. */
export interface WalkStep {
  walk: StreamWalk;
  rows: Row[];
  refused: number;
}

/**
 * Walks until every stream is done. After each request it yields, per stream, the rows and how
 * many commands the portal refused (those windows are read again); `walk.state` is already the
 * new window state when the step is yielded.
 */
export async function* walkWindows(client: Bitrix24Client, walks: StreamWalk[]): AsyncGenerator<WalkStep> {
  let refusedInARow = 0;
  while (walks.some((walk) => !walk.state.done)) {
    const plan: Array<{ walk: StreamWalk; window: PlannedWindow }> = [];
    for (const walk of walks) {
      if (walk.state.done || plan.length >= BATCH_LIMIT) continue;
      for (const window of planWindows(walk.state, BATCH_LIMIT - plan.length)) plan.push({ walk, window });
    }
    const outcome = await client.batch(plan.map(({ walk, window }, index) => listCommand(`w${index}`, walk, { ...walk.filter, ...windowFilter(window) })));
    // A portal that refuses everything (a method over its operating-time budget) is not asked
    // again and again: stop, keep the cursor, let the next run continue.
    refusedInARow = Object.keys(outcome.errors).length === plan.length ? refusedInARow + 1 : 0;
    if (refusedInARow >= 3) {
      const codes = [...new Set(Object.values(outcome.errors).map((error) => error.error))].join(', ');
      throw new KamError('RATE_LIMITED', `Bitrix24 refused every list command three times in a row (${codes}); the sync resumes on the next run`);
    }
    for (const walk of walks) {
      const mine = plan.map((item, index) => ({ ...item, key: `w${index}` })).filter((item) => item.walk === walk);
      if (mine.length === 0) continue;
      const pages = mine.map((item) => (outcome.results[item.key] as Row[] | undefined) ?? []);
      const refused = mine.filter((item) => outcome.errors[item.key]);
      let next = advanceWindows(walk.state, mine.map((item) => item.window), pages.map((page) => page.map((row) => Number(row.ID))));
      if (refused.length > 0) {
        // A refused command (e.g. OPERATION_TIME_LIMIT) read nothing: its window goes back on the list.
        const again = refused.map((item): [number, number | null] => [item.window.lo, item.window.hi]);
        next = { ...next, done: false, gaps: [...next.gaps, ...again].sort((a, b) => a[0] - b[0]) };
      }
      walk.state = next;
      yield { walk, rows: pages.flat(), refused: refused.length };
    }
  }
}
