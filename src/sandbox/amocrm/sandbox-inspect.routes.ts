import { Router } from 'express';
import { parseFaultSpec } from '../shared/faults';
import type { EntityRecord, EntityType, FieldValue } from './amo-records';
import { ENTITY_TYPES } from './amo-records';
import { fieldView } from './entity-views';
import { entityTypeOf } from './http-helpers';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { simulateUserEdits } from './simulated-users';
import { webhookView } from './webhooks.routes';

/**
 * Inspection and control, like the Bitrix24 sandbox's: GET /_sandbox/stats (+ POST reset),
 * GET /_sandbox/state (what clients wrote, every company's KAM_TIER/KAM_SCORE, all tasks and
 * notes, the trash), POST /_sandbox/mutate {count, entity?} and
 * GET/POST /_sandbox/faults {spec}. Never part of amo's API; no token needed.
 */
const MAX_MUTATIONS = 10_000;

function plainValue(values: FieldValue[]): unknown {
  const plain = values.map((value) => value.value ?? null);
  return plain.length === 1 ? plain[0] : plain;
}

/**
 * Every company (trash included) with its KAM_TIER / KAM_SCORE values as an outside check reads
 * them: the tier's enum value and id, the score as a number; null where nothing is set.
 */
function companyKamValues(ctx: AmoSandboxContext): Array<Record<string, unknown>> {
  const tier = ctx.store.fields.companies.find((field) => field.code === 'KAM_TIER');
  const score = ctx.store.fields.companies.find((field) => field.code === 'KAM_SCORE');
  const view = (record: EntityRecord, isDeleted: boolean): Record<string, unknown> => {
    const tierValue = tier ? record.fields.get(tier.id)?.[0] : undefined;
    const scoreValue = score ? record.fields.get(score.id)?.[0]?.value : undefined;
    return {
      id: record.id, name: record.name, is_deleted: isDeleted, responsible_user_id: record.responsible_user_id,
      KAM_TIER: tierValue ? { value: tierValue.value ?? null, enum_id: tierValue.enum_id ?? null, enum_code: tierValue.enum_code ?? null } : null,
      KAM_SCORE: scoreValue === undefined || scoreValue === '' ? null : Number(scoreValue),
    };
  };
  return [
    ...[...ctx.store.companies.values()].map((record) => view(record, false)),
    ...[...ctx.store.trash.companies.values()].map((record) => view(record, true)),
  ];
}

/** Items beyond the first that share a key: what "nothing duplicated" counts. */
function duplicatesBy<T>(items: readonly T[], key: (item: T) => string): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const item of items) {
    const value = key(item);
    if (seen.has(value)) duplicates += 1;
    else seen.add(value);
  }
  return duplicates;
}

/** Totals an outside check asks first: tier coverage, duplicated open tasks and notes. */
function summary(ctx: AmoSandboxContext, companies: Array<Record<string, unknown>>): Record<string, number> {
  const live = companies.filter((company) => company['is_deleted'] === false);
  const open = [...ctx.store.tasks.values()].filter((task) => !task.is_completed);
  return {
    companies: live.length,
    companiesWithTier: live.filter((company) => company['KAM_TIER'] !== null).length,
    companiesWithScore: live.filter((company) => company['KAM_SCORE'] !== null).length,
    openTasks: open.length,
    duplicateOpenTasks: duplicatesBy(open, (task) => `${String(task.entity_type)}:${String(task.entity_id)}:${task.text}`),
    notes: ctx.store.notes.length,
    duplicateNotes: duplicatesBy(ctx.store.notes, (note) => `${note.entity_type}:${note.entity_id}:${note.note_type}:${JSON.stringify(note.params)}`),
  };
}

function writtenState(ctx: AmoSandboxContext): Record<string, unknown> {
  const fieldValues: Record<EntityType, Record<string, Record<string, unknown>>> = { leads: {}, contacts: {}, companies: {} };
  for (const [key, fieldIds] of ctx.store.writeLog.fields) {
    const [type, id] = key.split(':') as [EntityType, string];
    const record = ctx.store.entities(type).get(Number(id));
    if (!record) continue;
    const out: Record<string, unknown> = {};
    for (const fieldId of fieldIds) {
      const field = ctx.store.field(type, fieldId);
      out[field?.code ?? String(fieldId)] = plainValue(record.fields.get(fieldId) ?? []);
    }
    fieldValues[type][id] = out;
  }
  const tags: Record<EntityType, Record<string, string[]>> = { leads: {}, contacts: {}, companies: {} };
  for (const key of ctx.store.writeLog.tags) {
    const [type, id] = key.split(':') as [EntityType, string];
    const record = ctx.store.entities(type).get(Number(id));
    if (record) tags[type][id] = record.tagIds.map((tagId) => ctx.store.tagById(type, tagId)?.name ?? String(tagId));
  }
  const tasks = [...ctx.store.tasks.values()].map((task) => ({
    id: task.id, entity_type: task.entity_type, entity_id: task.entity_id, text: task.text, complete_till: task.complete_till,
    task_type_id: task.task_type_id, responsible_user_id: task.responsible_user_id, is_completed: task.is_completed, result: task.resultText,
  }));
  const openIds = new Set([...ctx.store.tasks.values()].filter((task) => !task.is_completed).map((task) => task.id));
  const companies = companyKamValues(ctx);
  return {
    account: { id: ctx.store.account.id, subdomain: ctx.store.account.subdomain },
    summary: summary(ctx, companies),
    customFields: Object.fromEntries(ENTITY_TYPES.map((type) => [type,
      ctx.store.fields[type].filter((field) => field.createdViaApi).map((field) => fieldView(field, ctx.store.account.id, ctx.baseUrl()))])),
    fieldValues,
    companies,
    deleted: Object.fromEntries(ENTITY_TYPES.map((type) => [type, [...ctx.store.trash[type].keys()]])),
    tags,
    notes: ctx.store.notes.map((note) => ({
      id: note.id, entity_type: note.entity_type, entity_id: note.entity_id, note_type: note.note_type,
      text: typeof note.params['text'] === 'string' ? note.params['text'] : null, params: note.params, created_at: note.created_at,
    })),
    tasks: { open: tasks.filter((task) => openIds.has(task.id)), completed: tasks.filter((task) => !openIds.has(task.id)) },
    webhooks: ctx.store.webhooks.map((hook) => ({
      ...webhookView(ctx, hook), delivered: hook.delivered, failed: hook.failed, failuresInWindow: hook.failureTimes.length,
    })),
    deliveries: ctx.webhooks.recent().slice(-20),
  };
}

export function createSandboxInspectRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/stats', (_req, res) => {
    res.json(ctx.stats.snapshot());
  });

  router.post('/stats/reset', (_req, res) => {
    ctx.stats.reset();
    res.json(ctx.stats.snapshot());
  });

  router.get('/state', (_req, res) => {
    res.json(writtenState(ctx));
  });

  router.post('/mutate', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const count = Number(body['count'] ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > MAX_MUTATIONS) return sendProblem(res, 400, `count must be an integer from 1 to ${MAX_MUTATIONS}`);
    const entity = body['entity'] === undefined ? undefined : entityTypeOf(body['entity']);
    if (entity === null) return sendProblem(res, 400, 'entity must be leads, contacts or companies');
    res.json({ edits: simulateUserEdits(ctx, count, entity) });
  });

  router.get('/faults', (_req, res) => {
    res.json(ctx.faults.spec());
  });

  router.post('/faults', (req, res) => {
    const spec = ((req.body ?? {}) as Record<string, unknown>)['spec'];
    const parsed = parseFaultSpec(typeof spec === 'string' ? spec : '');
    if (!parsed.ok) return sendProblem(res, 400, parsed.error.message);
    ctx.faults.set(parsed.value);
    res.json(parsed.value);
  });

  return router;
}
