import { isKamError } from '../../core/errors';
import { markerFor, type CrmWriter, type WriteOutcome } from '../../core/ports/crm-writer.port';
import type { BatchCommand, Bitrix24Client } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';

/**
 * Write-back to a Bitrix24 portal, 50 commands per request:
 * - tier and score: crm.company.update with the enumeration item ID of the tier;
 * - KPI summaries: crm.timeline.comment.add (https://apidocs.bitrix24.com/api-reference/crm/timeline/comments/crm-timeline-comment-add.html);
 * - next steps: crm.activity.todo.add on the company (ownerTypeId 4), completed with
 *   crm.activity.update COMPLETED=Y; found again by the marker in the description.
 */
export const COMPANY_TYPE_ID = 4;

export interface Bitrix24WriterDeps {
  client: Bitrix24Client;
  tierField: string;
  scoreField: string;
  /** Tier id -> the enumeration list item ID of the tier field. */
  tierItemIds: Record<string, string>;
  /** Portal offset for deadlines, e.g. "+03:00". */
  timeOffset?: string;
}

type Keyed<T> = { key: string; command: BatchCommand; value: T };

export function createBitrix24Writer(deps: Bitrix24WriterDeps): CrmWriter {
  const { client } = deps;

  /** Runs keyed commands in batches of 50, sorting each into done / failed / unknown. */
  const run = async <T>(items: Array<Keyed<T>>, idempotent: boolean, toDone: (value: T, result: unknown) => unknown) => {
    const outcome: WriteOutcome<unknown> = { done: [], failed: [], unknown: [] };
    for (let i = 0; i < items.length; i += BATCH_LIMIT) {
      const chunk = items.slice(i, i + BATCH_LIMIT);
      try {
        const batch = await client.batch(chunk.map((item) => item.command), { idempotent });
        for (const item of chunk) {
          const error = batch.errors[item.command.key];
          if (error) outcome.failed.push({ key: item.key, reason: `${error.error}${error.error_description ? `: ${error.error_description}` : ''}` });
          else if (item.command.key in batch.results) outcome.done.push(toDone(item.value, batch.results[item.command.key]));
          else outcome.unknown.push(item.key);
        }
      } catch (error) {
        // The whole request failed. Refusals are safe to retry later; a lost answer is not known.
        const unknown = isKamError(error) && (error.code === 'NETWORK' || error.code === 'CRM_UNAVAILABLE');
        for (const item of chunk) {
          if (unknown && !idempotent) outcome.unknown.push(item.key);
          else outcome.failed.push({ key: item.key, reason: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    return outcome;
  };

  const findByMarker = async (
    items: Array<{ key: string; companyId: string }>,
    method: string,
    params: (companyId: string) => Record<string, unknown>,
    textOf: (row: Record<string, unknown>) => string,
  ): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    const companies = [...new Set(items.map((item) => item.companyId))];
    for (let i = 0; i < companies.length; i += BATCH_LIMIT) {
      const chunk = companies.slice(i, i + BATCH_LIMIT);
      const batch = await client.batch(chunk.map((companyId, index) => ({ key: `f${index}`, method, params: params(companyId) })));
      chunk.forEach((companyId, index) => {
        const rows = (batch.results[`f${index}`] as Array<Record<string, unknown>> | undefined) ?? [];
        for (const item of items.filter((candidate) => candidate.companyId === companyId)) {
          const row = rows.find((candidate) => textOf(candidate).includes(markerFor(item.key)));
          if (row) found.set(item.key, String(row.ID ?? row.id));
        }
      });
    }
    return found;
  };

  return {
    async writeFields(writes) {
      const items = writes.map((write, index) => ({
        key: write.companyId,
        value: write.companyId,
        command: {
          key: `u${index}`,
          method: 'crm.company.update',
          params: {
            id: write.companyId,
            fields: { [deps.tierField]: deps.tierItemIds[write.tier] ?? '', [deps.scoreField]: write.score },
            // No live-feed post for a machine-written field.
            params: { REGISTER_SONET_EVENT: 'N' },
          },
        },
      }));
      return (await run(items, true, (companyId) => companyId)) as WriteOutcome<string>;
    },

    async addComments(writes) {
      const items = writes.map((write, index) => ({
        key: write.key,
        value: write.key,
        command: {
          key: `c${index}`,
          method: 'crm.timeline.comment.add',
          params: { fields: { ENTITY_ID: write.companyId, ENTITY_TYPE: 'company', COMMENT: `${write.text}\n${markerFor(write.key)}` } },
        },
      }));
      return (await run(items, false, (key, result) => ({ key, crmId: String(result) }))) as WriteOutcome<{ key: string; crmId: string }>;
    },

    findComments(items) {
      return findByMarker(
        items,
        'crm.timeline.comment.list',
        (companyId) => ({ filter: { ENTITY_ID: companyId, ENTITY_TYPE: 'company' }, select: ['ID', 'COMMENT'] }),
        (row) => String(row.COMMENT ?? ''),
      );
    },

    async createTodos(todos) {
      const items = todos.map((todo, index) => ({
        key: todo.dedupKey,
        value: todo.dedupKey,
        command: {
          key: `t${index}`,
          method: 'crm.activity.todo.add',
          params: {
            ownerTypeId: COMPANY_TYPE_ID,
            ownerId: todo.companyId,
            deadline: `${todo.dueDate}T18:00:00${deps.timeOffset ?? ''}`,
            title: todo.title,
            description: `${todo.description}\n${markerFor(todo.dedupKey)}`,
            ...(todo.ownerId ? { responsibleId: todo.ownerId } : {}),
          },
        },
      }));
      return (await run(items, false, (dedupKey, result) => ({
        dedupKey,
        crmTaskId: String((result as { id?: unknown } | null)?.id ?? result),
      }))) as WriteOutcome<{ dedupKey: string; crmTaskId: string }>;
    },

    findTodos(items) {
      return findByMarker(
        items.map((item) => ({ key: item.dedupKey, companyId: item.companyId })),
        'crm.activity.list',
        (companyId) => ({
          filter: { OWNER_TYPE_ID: COMPANY_TYPE_ID, OWNER_ID: companyId, PROVIDER_ID: 'CRM_TODO', COMPLETED: 'N' },
          select: ['ID', 'DESCRIPTION'],
        }),
        (row) => String(row.DESCRIPTION ?? ''),
      );
    },

    async closeTodos(todos) {
      const items = todos.map((todo, index) => ({
        key: todo.dedupKey,
        value: todo.dedupKey,
        command: { key: `x${index}`, method: 'crm.activity.update', params: { id: todo.crmTaskId, fields: { COMPLETED: 'Y' } } },
      }));
      return (await run(items, true, (dedupKey) => dedupKey)) as WriteOutcome<string>;
    },
  };
}
