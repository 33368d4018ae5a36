import { isKamError } from '../../core/errors';
import { i18n } from '../../core/i18n/messages';
import { CONTACT_ACCOUNT_PREFIX } from '../../core/model/synced';
import { carriesMarker, withMarker, type CrmWriter, type MarkerSearch, type WriteOutcome } from '../../core/ports/crm-writer.port';
import type { AmoClient } from './amocrm-client';
import { writeInChunks, type ChunkItem, type ChunkOutcome } from './amocrm-chunks';
import { isAccountBlocked } from './amocrm-errors';
import type { AmoSlot } from './amocrm-setup';
import { zonedUnix } from './amocrm-time';

/**
 * Write-back to an amoCRM account:
 * - tier and score: PATCH /api/v4/{companies|contacts} with `custom_fields_values` (the tier as
 *   its enum_id, BaseEnumCustomFieldValueModel::toApi), 50 entities a request;
 * - KPI summaries: `service_message` notes, shown as coming from the integration named in
 *   `params.service` (ServiceMessageNote; reference §3.6), POST /api/v4/{entity}/notes;
 * - next steps: POST /api/v4/tasks (task_type_id 1 "follow-up", complete_till unix seconds,
 *   responsible = the account's owner; tasks-api), completed by PATCH with `is_completed` and
 *   `result.text`.
 * Notes and tasks end with an invisible marker (markerFor in the port says why no field holds
 * it), so a lost answer is settled by looking for it (GET notes / tasks filtered by entity)
 * before anything is created again; an older version's visible `[kam:...]` line is found too.
 */
type Row = Record<string, unknown>;
type Entity = 'companies' | 'contacts';

/** A company (plain id) or a contact account ("contact:<id>"). */
export function entityOf(accountId: string): { entity: Entity; id: number } {
  return accountId.startsWith(CONTACT_ACCOUNT_PREFIX)
    ? { entity: 'contacts', id: Number(accountId.slice(CONTACT_ACCOUNT_PREFIX.length)) }
    : { entity: 'companies', id: Number(accountId) };
}

/** The integration's name on its notes (ServiceMessageNote `params.service`), a product name in both languages. */
const SERVICE_NAME = 'KAM Pilot';
/** Summaries are service messages; older versions wrote `common` notes, still looked through. */
const NOTE_TYPES = ['service_message', 'common'];
/** amo's filter takes many ids; 50 entity ids keep the URL short and the answer to few pages. */
const LOOKUP_IDS = 50;

export interface AmoWriterDeps {
  client: AmoClient;
  slot: AmoSlot;
  lang: 'ru' | 'en';
  chunkSize?: number;
}

const embedded = (body: Row | null, key: string): Row[] => (((body?._embedded as Row | undefined)?.[key] as Row[] | undefined) ?? []);

function toOutcome<T>(chunks: ChunkOutcome, done: (key: string, answer: Row | undefined) => T): WriteOutcome<T> {
  return { done: chunks.done.map((item) => done(item.key, item.answer)), failed: chunks.failed, unknown: chunks.unknown };
}

function groupByEntity<T extends { accountId: string }>(items: T[]): Map<Entity, T[]> {
  const groups = new Map<Entity, T[]>();
  for (const item of items) {
    const { entity } = entityOf(item.accountId);
    groups.set(entity, [...(groups.get(entity) ?? []), item]);
  }
  return groups;
}

function merge<T>(outcomes: Array<WriteOutcome<T>>): WriteOutcome<T> {
  return { done: outcomes.flatMap((o) => o.done), failed: outcomes.flatMap((o) => o.failed), unknown: outcomes.flatMap((o) => o.unknown) };
}

export function createAmoWriter(deps: AmoWriterDeps): CrmWriter {
  const { client, slot } = deps;
  const chunkSize = deps.chunkSize;

  /** Reads every row of `path` for the given entity ids (50 a request), then matches markers. */
  const findByMarker = async (
    items: Array<{ key: string; accountId: string }>,
    path: (entity: Entity) => string,
    query: (entity: Entity, ids: number[]) => Record<string, unknown>,
    key: string,
    textOf: (row: Row) => string,
  ): Promise<MarkerSearch> => {
    const found = new Map<string, string>();
    const unresolved = new Set<string>();
    for (const [entity, group] of groupByEntity(items)) {
      const ids = [...new Set(group.map((item) => entityOf(item.accountId).id))];
      for (let i = 0; i < ids.length; i += LOOKUP_IDS) {
        const chunk = ids.slice(i, i + LOOKUP_IDS);
        const wanted = group.filter((item) => chunk.includes(entityOf(item.accountId).id));
        try {
          const rows: Row[] = [];
          let body = await client.get<Row>(path(entity), { ...query(entity, chunk), limit: 250 });
          for (;;) {
            rows.push(...embedded(body, key));
            const next = ((body?._links as Row | undefined)?.next as Row | undefined)?.href;
            if (embedded(body, key).length === 0 || typeof next !== 'string') break;
            body = await client.follow<Row>(next);
          }
          for (const item of wanted) {
            const entityId = entityOf(item.accountId).id;
            const row = rows.find((candidate) => Number(candidate.entity_id) === entityId && carriesMarker(textOf(candidate), item.key));
            if (row) found.set(item.key, String(row.id));
          }
        } catch (error) {
          // A refused lookup proves nothing: those keys stay pending, never "absent".
          if (isAccountBlocked(error) || !isKamError(error)) throw error;
          for (const item of wanted) unresolved.add(item.key);
        }
      }
    }
    return { found, unresolved };
  };

  return {
    async writeFields(writes) {
      const outcomes: Array<WriteOutcome<string>> = [];
      for (const [entity, group] of groupByEntity(writes)) {
        const fields = entity === 'contacts' ? slot.contact : slot.company;
        const failed = group.filter((write) => !fields || fields.tierEnumIds[write.tier] === undefined);
        const items: ChunkItem[] = group.filter((write) => !failed.includes(write)).map((write) => ({
          key: write.accountId,
          body: {
            id: entityOf(write.accountId).id,
            custom_fields_values: [
              { field_id: fields?.tierFieldId, values: [{ enum_id: fields?.tierEnumIds[write.tier] }] },
              { field_id: fields?.scoreFieldId, values: [{ value: write.score }] },
            ],
          },
        }));
        const chunks = await writeInChunks(items, async (bodies) => embedded(await client.write<Row>('PATCH', `/api/v4/${entity}`, bodies), entity), { idempotent: true, ...(chunkSize ? { chunkSize } : {}) });
        const outcome = toOutcome(chunks, (key) => key);
        outcome.failed.push(...failed.map((write) => ({ key: write.accountId, reason: fields ? `tier ${write.tier} has no value in the amoCRM field` : `${entity} have no tier field (setup did not create it)` })));
        outcomes.push(outcome);
      }
      return merge(outcomes);
    },

    async addComments(writes) {
      const outcomes: Array<WriteOutcome<{ key: string; crmId: string }>> = [];
      for (const [entity, group] of groupByEntity(writes)) {
        const items = group.map((write) => ({
          key: write.key,
          body: { entity_id: entityOf(write.accountId).id, note_type: 'service_message', params: { service: SERVICE_NAME, text: withMarker(write.text, write.key) } },
        }));
        const chunks = await writeInChunks(items, async (bodies) => embedded(await client.write<Row>('POST', `/api/v4/${entity}/notes`, bodies, { idempotent: false }), 'notes'), { idempotent: false, ...(chunkSize ? { chunkSize } : {}) });
        outcomes.push(toOutcome(chunks, (key, answer) => ({ key, crmId: String(answer?.id ?? '') })));
      }
      return merge(outcomes);
    },

    findComments(items) {
      return findByMarker(items, (entity) => `/api/v4/${entity}/notes`, (_entity, ids) => ({ filter: { entity_id: ids, note_type: NOTE_TYPES } }), 'notes',
        (row) => String((row.params as Row | undefined)?.text ?? ''));
    },

    async createTodos(todos) {
      const items = todos.map((todo) => {
        const target = entityOf(todo.accountId);
        const responsible = todo.ownerId ?? slot.appUserId;
        const text = [todo.title, todo.description].filter((part) => part.trim() !== '').join('\n');
        return {
          key: todo.dedupKey,
          body: {
            text: withMarker(text, todo.dedupKey),
            complete_till: zonedUnix(todo.dueDate, '23:59', slot.timezone),
            entity_id: target.id,
            entity_type: target.entity,
            task_type_id: 1,
            ...(responsible ? { responsible_user_id: Number(responsible) } : {}),
          },
        };
      });
      const chunks = await writeInChunks(items, async (bodies) => embedded(await client.write<Row>('POST', '/api/v4/tasks', bodies, { idempotent: false }), 'tasks'), { idempotent: false, ...(chunkSize ? { chunkSize } : {}) });
      return toOutcome(chunks, (dedupKey, answer) => ({ dedupKey, crmTaskId: String(answer?.id ?? '') }));
    },

    findTodos(items) {
      // Completed ones too: a user may have closed the task after we lost the create's answer.
      return findByMarker(items.map((item) => ({ key: item.dedupKey, accountId: item.accountId })), () => '/api/v4/tasks',
        (entity, ids) => ({ filter: { entity_type: entity, entity_id: ids } }), 'tasks', (row) => String(row.text ?? ''));
    },

    async closeTodos(todos) {
      const items = todos.map((todo) => ({ key: todo.dedupKey, body: { id: Number(todo.crmTaskId), is_completed: true, result: { text: i18n(deps.lang).t('crm.todoClosed') } } }));
      const chunks = await writeInChunks(items, async (bodies) => embedded(await client.write<Row>('PATCH', '/api/v4/tasks', bodies), 'tasks'), { idempotent: true, ...(chunkSize ? { chunkSize } : {}) });
      const outcome = toOutcome(chunks, (key) => key);
      // A task the user deleted is as closed as it gets: do not ask again every run.
      const gone = outcome.failed.filter((failure) => /NotFound/i.test(failure.reason));
      return { ...outcome, done: [...outcome.done, ...gone.map((failure) => failure.key)], failed: outcome.failed.filter((failure) => !gone.includes(failure)) };
    },
  };
}
