import { isKamError } from '../../core/errors';
import { CONTACT_ACCOUNT_PREFIX } from '../../core/model/synced';
import { carriesMarker, withMarker, type CrmWriter, type MarkerSearch, type WriteOutcome } from '../../core/ports/crm-writer.port';
import type { BatchCommand, Bitrix24Client } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import { closeTodos } from './todo-close';

/**
 * Write-back to a Bitrix24 portal, 50 commands per request:
 * - tier and score: crm.company.update (crm.contact.update for contact accounts) with the
 *   enumeration item ID of the tier;
 * - KPI summaries: crm.timeline.comment.add (https://apidocs.bitrix24.com/api-reference/crm/timeline/comments/crm-timeline-comment-add.html);
 * - next steps: crm.activity.todo.add on the company (ownerTypeId 4; a contact account: 3), found
 *   again by the marker in the description, completed as todo-close.ts explains.
 * The marker is invisible (markerFor in the port says why no field holds it); an older version's
 * visible `[kam:...]` marker is still found (carriesMarker).
 */
export const COMPANY_TYPE_ID = 4;
export const CONTACT_TYPE_ID = 3;

export interface TierFields {
  tierField: string;
  scoreField: string;
  /** Tier id -> the enumeration list item ID of the tier field. */
  tierItemIds: Record<string, string>;
}

export interface Bitrix24WriterDeps extends TierFields {
  client: Bitrix24Client;
  /** The same fields on contacts, when contacts without a company are accounts too. */
  contact?: TierFields | null;
  /** Portal offset for deadlines, e.g. "+03:00". */
  timeOffset?: string;
}

/** Which CRM entity an account is: a company (plain id) or a contact ("contact:<id>"). */
export function entityOf(accountId: string): { type: 'company' | 'contact'; typeId: number; id: string } {
  return accountId.startsWith(CONTACT_ACCOUNT_PREFIX)
    ? { type: 'contact', typeId: CONTACT_TYPE_ID, id: accountId.slice(CONTACT_ACCOUNT_PREFIX.length) }
    : { type: 'company', typeId: COMPANY_TYPE_ID, id: accountId };
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
    items: Array<{ key: string; accountId: string }>,
    method: string,
    params: (accountId: string) => Record<string, unknown>,
    textOf: (row: Record<string, unknown>) => string,
  ): Promise<MarkerSearch> => {
    const found = new Map<string, string>();
    const unresolved = new Set<string>();
    const companies = [...new Set(items.map((item) => item.accountId))];
    for (let i = 0; i < companies.length; i += BATCH_LIMIT) {
      const chunk = companies.slice(i, i + BATCH_LIMIT);
      const batch = await client.batch(chunk.map((accountId, index) => ({ key: `f${index}`, method, params: { order: { ID: 'DESC' }, ...params(accountId) } })));
      chunk.forEach((accountId, index) => {
        // A refused lookup proves nothing: its items stay unresolved (pending), never "not found".
        if (batch.errors[`f${index}`]) {
          for (const item of items.filter((candidate) => candidate.accountId === accountId)) unresolved.add(item.key);
          return;
        }
        const rows = (batch.results[`f${index}`] as Array<Record<string, unknown>> | undefined) ?? [];
        for (const item of items.filter((candidate) => candidate.accountId === accountId)) {
          const row = rows.find((candidate) => carriesMarker(textOf(candidate), item.key));
          if (row) found.set(item.key, String(row.ID ?? row.id));
        }
      });
    }
    return { found, unresolved };
  };

  return {
    async writeFields(writes) {
      const items = writes.flatMap((write, index) => {
        const entity = entityOf(write.accountId);
        const fields = entity.type === 'contact' ? deps.contact : deps;
        if (!fields) return [];
        return [{
          key: write.accountId,
          value: write.accountId,
          command: {
            key: `u${index}`,
            method: `crm.${entity.type}.update`,
            params: {
              id: entity.id,
              fields: { [fields.tierField]: fields.tierItemIds[write.tier] ?? '', [fields.scoreField]: write.score },
              // No live-feed post for a machine-written field.
              params: { REGISTER_SONET_EVENT: 'N' },
            },
          },
        }];
      });
      return (await run(items, true, (accountId) => accountId)) as WriteOutcome<string>;
    },

    async addComments(writes) {
      const items = writes.map((write, index) => ({
        key: write.key,
        value: write.key,
        command: {
          key: `c${index}`,
          method: 'crm.timeline.comment.add',
          params: { fields: { ENTITY_ID: entityOf(write.accountId).id, ENTITY_TYPE: entityOf(write.accountId).type, COMMENT: withMarker(write.text, write.key) } },
        },
      }));
      return (await run(items, false, (key, result) => ({ key, crmId: String(result) }))) as WriteOutcome<{ key: string; crmId: string }>;
    },

    findComments(items) {
      return findByMarker(
        items,
        'crm.timeline.comment.list',
        (accountId) => ({ filter: { ENTITY_ID: entityOf(accountId).id, ENTITY_TYPE: entityOf(accountId).type }, select: ['ID', 'COMMENT'] }),
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
            ownerTypeId: entityOf(todo.accountId).typeId,
            ownerId: entityOf(todo.accountId).id,
            deadline: `${todo.dueDate}T18:00:00${deps.timeOffset ?? ''}`,
            title: todo.title,
            description: withMarker(todo.description, todo.dedupKey),
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
        items.map((item) => ({ key: item.dedupKey, accountId: item.accountId })),
        'crm.activity.list',
        (accountId) => ({
          // Completed ones too: a user may have closed the to-do after we lost the create's answer.
          filter: { OWNER_TYPE_ID: entityOf(accountId).typeId, OWNER_ID: entityOf(accountId).id, PROVIDER_ID: 'CRM_TODO' },
          select: ['ID', 'DESCRIPTION'],
        }),
        (row) => String(row.DESCRIPTION ?? ''),
      );
    },

    async closeTodos(todos) {
      return closeTodos(client, todos);
    },
  };
}
