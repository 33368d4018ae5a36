import type { TodoClose, WriteOutcome } from '../../core/ports/crm-writer.port';
import type { BatchCommand, Bitrix24Client } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';

/**
 * Completing a to-do. The to-do methods (crm.activity.todo.*) edit a to-do but none completes it
 * (https://apidocs.bitrix24.com/api-reference/crm/timeline/activities/todo/index.html), so the
 * documented way is the base method crm.activity.update with COMPLETED = 'Y'
 * (.../activity-base/crm-activity-update.html), which lists OWNER_ID, OWNER_TYPE_ID, TYPE_ID,
 * RESPONSIBLE_ID and COMMUNICATIONS as required. We read each to-do first (crm.activity.get) and
 * send those fields back as the portal has them. A to-do already completed is done; one the user
 * deleted is as closed as it gets. Any refusal (e.g. "Use crm.activity.configurable.update for
 * this activity provider") is reported as failed, so the ledger keeps it open and the next run
 * tries again: never taken as closed. Two requests per 50 to-dos.
 */
type Row = Record<string, unknown>;

const gone = (reason: string) => /not ?found/i.test(reason);
const reasonOf = (error: { error: string; error_description?: string }) => `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;

function completion(row: Row): Record<string, unknown> {
  const communications = Array.isArray(row.COMMUNICATIONS) ? row.COMMUNICATIONS : [];
  return {
    OWNER_ID: row.OWNER_ID,
    OWNER_TYPE_ID: row.OWNER_TYPE_ID,
    TYPE_ID: row.TYPE_ID,
    RESPONSIBLE_ID: row.RESPONSIBLE_ID,
    // An empty list does not survive form encoding; a to-do without communications sends none.
    ...(communications.length > 0 ? { COMMUNICATIONS: communications } : {}),
    COMPLETED: 'Y',
  };
}

export async function closeTodos(client: Bitrix24Client, todos: TodoClose[]): Promise<WriteOutcome<string>> {
  const outcome: WriteOutcome<string> = { done: [], failed: [], unknown: [] };
  const fail = (key: string, error: unknown) => outcome.failed.push({ key, reason: error instanceof Error ? error.message : String(error) });
  for (let i = 0; i < todos.length; i += BATCH_LIMIT) {
    const chunk = todos.slice(i, i + BATCH_LIMIT);
    const updates: Array<{ todo: TodoClose; command: BatchCommand }> = [];
    try {
      const read = await client.batch(chunk.map((todo, index) => ({ key: `g${index}`, method: 'crm.activity.get', params: { id: todo.crmTaskId } })));
      chunk.forEach((todo, index) => {
        const error = read.errors[`g${index}`];
        const row = read.results[`g${index}`] as Row | undefined;
        if (error) {
          if (gone(reasonOf(error))) outcome.done.push(todo.dedupKey);
          else outcome.failed.push({ key: todo.dedupKey, reason: reasonOf(error) });
        } else if (!row) outcome.failed.push({ key: todo.dedupKey, reason: 'crm.activity.get gave no activity' });
        else if (row.COMPLETED === 'Y') outcome.done.push(todo.dedupKey);
        else updates.push({ todo, command: { key: `x${updates.length}`, method: 'crm.activity.update', params: { id: todo.crmTaskId, fields: completion(row) } } });
      });
    } catch (error) {
      for (const todo of chunk) fail(todo.dedupKey, error);
      continue;
    }
    if (updates.length === 0) continue;
    try {
      // Completing twice changes nothing, so a lost answer may be asked again: idempotent.
      const written = await client.batch(updates.map((update) => update.command), { idempotent: true });
      for (const { todo, command } of updates) {
        const error = written.errors[command.key];
        if (error && gone(reasonOf(error))) outcome.done.push(todo.dedupKey);
        else if (error) outcome.failed.push({ key: todo.dedupKey, reason: reasonOf(error) });
        else if (written.results[command.key] === true || written.results[command.key] === 'true') outcome.done.push(todo.dedupKey);
        else outcome.failed.push({ key: todo.dedupKey, reason: `crm.activity.update answered ${JSON.stringify(written.results[command.key] ?? null)}` });
      }
    } catch (error) {
      for (const { todo } of updates) fail(todo.dedupKey, error);
    }
  }
  return outcome;
}
