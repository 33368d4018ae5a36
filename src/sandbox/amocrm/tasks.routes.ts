import { Router } from 'express';
import type { RequestHandler, Response } from 'express';
import type { TaskRecord } from './amo-records';
import { TASK_TYPES } from './account.routes';
import { entityTypeOf, numericId, sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { filterOf, inRange, MAX_LIMIT, numberList, orderOf, pageLinks, pageOf, parsePaging, range } from './list-query';
import { createIssueCollector, DETAIL, sendKamError, sendProblem, validationError } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';
import type { EntityChange } from './webhook-payload';

/**
 * /api/v4/tasks (https://www.amocrm.ru/developers/content/crm_platform/tasks-api, reference
 * §3.5): GET with filters and paging, POST an array of new tasks (a deadline and a text are
 * required), PATCH an array of `{id, ...}`, completing with `{is_completed: true, result: {text}}`.
 * An open task shows `result: []`, the empty PHP array amo serialises there.
 */
// created_at / updated_at are sent back by the official client on every update (TaskModel::toApi).
const CREATE_KEYS = new Set([
  'text', 'complete_till', 'entity_id', 'entity_type', 'task_type_id', 'responsible_user_id', 'duration', 'is_completed', 'request_id',
  'created_by', 'updated_by', 'created_at', 'updated_at', 'result',
]);
const UPDATE_KEYS = new Set([...CREATE_KEYS, 'id']);
const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

export function taskView(ctx: AmoSandboxContext, task: TaskRecord): Record<string, unknown> {
  return {
    id: task.id, created_by: task.created_by, updated_by: task.updated_by, created_at: task.created_at, updated_at: task.updated_at,
    responsible_user_id: task.responsible_user_id, group_id: 0, entity_id: task.entity_id, entity_type: task.entity_type,
    duration: task.duration, is_completed: task.is_completed, task_type_id: task.task_type_id, text: task.text,
    result: task.resultText === null ? [] : { text: task.resultText }, complete_till: task.complete_till, account_id: ctx.store.account.id,
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/tasks/${task.id}` } },
  };
}

function checkTask(ctx: AmoSandboxContext, item: Record<string, unknown>, mode: 'create' | 'update', add: (code: string, path: string, detail: string) => void): void {
  for (const key of Object.keys(item)) if (!(mode === 'create' ? CREATE_KEYS : UPDATE_KEYS).has(key)) add('FieldNotExpected', key, DETAIL.notExpected);
  if (mode === 'update' && !(isInt(item['id']) && ctx.store.tasks.has(item['id']))) add('NotFound', 'id', 'Entity not found');
  if (mode === 'create' || item['text'] !== undefined) {
    if (typeof item['text'] !== 'string' || item['text'].trim() === '') add('NotBlank', 'text', DETAIL.notBlank);
  }
  if (mode === 'create' || item['complete_till'] !== undefined) {
    if (!isInt(item['complete_till'])) add(item['complete_till'] === undefined ? 'NotBlank' : 'InvalidType', 'complete_till', DETAIL.notBlank);
  }
  const entityType = item['entity_type'];
  if (entityType !== undefined && entityType !== null) {
    const type = entityTypeOf(entityType);
    if (!type) add('NotSupportedChoice', 'entity_type', DETAIL.notChoice);
    else if (!(isInt(item['entity_id']) && ctx.store.entities(type).has(item['entity_id']))) add('NotSupportedChoice', 'entity_id', DETAIL.notChoice);
  }
  if (item['task_type_id'] !== undefined && !TASK_TYPES.some((type) => type.id === item['task_type_id'])) add('NotSupportedChoice', 'task_type_id', DETAIL.notChoice);
  if (item['responsible_user_id'] !== undefined && !(isInt(item['responsible_user_id']) && ctx.store.userExists(item['responsible_user_id']))) {
    add('NotSupportedChoice', 'responsible_user_id', DETAIL.notChoice);
  }
  for (const key of ['created_at', 'updated_at', 'created_by', 'updated_by']) {
    if (item[key] !== undefined && item[key] !== null && !(isInt(item[key]) && (item[key] as number) >= 0)) add('InvalidType', key, 'This value should be of type int.');
  }
  if (item['is_completed'] !== undefined && typeof item['is_completed'] !== 'boolean') add('InvalidType', 'is_completed', 'This value should be of type bool.');
  if (item['result'] !== undefined && !(isRecord(item['result']) && typeof item['result']['text'] === 'string')) add('InvalidType', 'result.text', 'This value should be of type string.');
}

function applyTask(ctx: AmoSandboxContext, item: Record<string, unknown>, existing: TaskRecord | undefined): TaskRecord {
  const now = nowSeconds(ctx);
  const actor = ctx.store.account.currentUserId;
  const task: TaskRecord = existing ?? {
    id: ctx.store.nextId('task'), text: '', entity_type: null, entity_id: null, task_type_id: 1, responsible_user_id: actor,
    complete_till: now, duration: 0, is_completed: false, resultText: null, created_by: actor, updated_by: actor, created_at: now, updated_at: now,
  };
  if (typeof item['text'] === 'string') task.text = item['text'];
  if (isInt(item['complete_till'])) task.complete_till = item['complete_till'];
  if (item['entity_type'] !== undefined) {
    task.entity_type = entityTypeOf(item['entity_type']);
    task.entity_id = task.entity_type === null ? null : (item['entity_id'] as number);
  }
  if (isInt(item['task_type_id'])) task.task_type_id = item['task_type_id'];
  if (isInt(item['responsible_user_id'])) task.responsible_user_id = item['responsible_user_id'];
  if (isInt(item['duration'])) task.duration = item['duration'];
  if (typeof item['is_completed'] === 'boolean') task.is_completed = item['is_completed'];
  if (isRecord(item['result'])) task.resultText = String(item['result']['text']);
  if (isInt(item['created_at'])) task.created_at = item['created_at'];
  if (isInt(item['created_by'])) task.created_by = item['created_by'];
  // As for leads (entity-write.ts): a given updated_at is stored, otherwise the write time.
  task.updated_at = isInt(item['updated_at']) ? item['updated_at'] : now;
  task.updated_by = isInt(item['updated_by']) ? item['updated_by'] : actor;
  ctx.store.tasks.set(task.id, task);
  return task;
}

export function createTasksRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/tasks', (req, res) => {
    const query = req.query as Query;
    const paging = parsePaging(query);
    if (!paging.ok) return sendProblem(res, 400, paging.error.message);
    const filter = filterOf(query);
    const ids = numberList(filter['id']);
    const entityIds = numberList(filter['entity_id']);
    const responsible = numberList(filter['responsible_user_id']);
    const types = numberList(filter['task_type']);
    const entityType = filter['entity_type'] === undefined ? null : entityTypeOf(filter['entity_type']);
    const done = filter['is_completed'] === undefined ? null : ['1', 'true'].includes(String(filter['is_completed']));
    const updated = range(filter['updated_at']);
    const order = orderOf(query, ['created_at', 'complete_till', 'id']);
    const key = order.field as 'created_at' | 'complete_till' | 'id';
    const tasks = [...ctx.store.tasks.values()].filter((task) =>
      (ids === null || ids.includes(task.id)) && (entityType === null || task.entity_type === entityType)
      && (entityIds === null || (task.entity_id !== null && entityIds.includes(task.entity_id)))
      && (responsible === null || responsible.includes(task.responsible_user_id)) && (types === null || types.includes(task.task_type_id))
      && (done === null || task.is_completed === done) && (updated === null || inRange(task.updated_at, updated)))
      .sort((a, b) => (order.desc ? -1 : 1) * (a[key] - b[key] || a.id - b.id));
    const page = pageOf(tasks, paging.value);
    if (page.items.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _page: paging.value.page,
      _links: pageLinks(ctx.baseUrl(), '/api/v4/tasks', query, paging.value, page.hasNext),
      _embedded: { tasks: page.items.map((task) => taskView(ctx, task)) },
    });
  });

  router.get('/tasks/:id', (req, res) => {
    const task = ctx.store.tasks.get(numericId(req.params['id']) ?? -1);
    if (!task) return ctx.behaviour.sendMissingRecord(res);
    sendHal(res, 200, taskView(ctx, task));
  });

  /** Validates every item, then writes all of them or none; null when the answer was already sent. */
  const save = (res: Response, body: unknown[], mode: 'create' | 'update'): Array<Record<string, unknown>> | null => {
    if (body.length > MAX_LIMIT) {
      sendProblem(res, 400, `Maximum ${MAX_LIMIT} entities per request`);
      return null;
    }
    if (ctx.behaviour.writeTimesOut(body.length)) {
      ctx.behaviour.sendGatewayTimeout(res);
      return null;
    }
    const issues = createIssueCollector();
    const requestIds = body.map((item, index) => (isRecord(item) && item['request_id'] !== undefined ? String(item['request_id']) : String(index)));
    body.forEach((item, index) => {
      const add = (code: string, path: string, detail: string): void => issues.add(requestIds[index] ?? String(index), code, path, detail);
      if (!isRecord(item)) add('InvalidType', '', 'This value should be of type object.');
      else checkTask(ctx, item, mode, add);
    });
    const entries = issues.entries();
    if (entries.length > 0) {
      sendKamError(res, validationError(entries));
      return null;
    }
    const changes: EntityChange[] = [];
    const saved = body.map((item, index) => {
      const record = item as Record<string, unknown>;
      const task = applyTask(ctx, record, mode === 'update' ? ctx.store.tasks.get(record['id'] as number) : undefined);
      changes.push({ entity: 'tasks', id: task.id, actions: [mode === 'create' ? 'add' : 'update'], userId: task.updated_by });
      return { id: task.id, ...(mode === 'update' ? { updated_at: task.updated_at } : {}), request_id: requestIds[index], _links: { self: { href: `${ctx.baseUrl()}/api/v4/tasks/${task.id}` } } };
    });
    ctx.webhooks.emit(changes);
    return saved;
  };

  const write = (mode: 'create' | 'update'): RequestHandler => (req, res) => {
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) return sendProblem(res, 400, 'Request body must be a non-empty array');
    const saved = save(res, body, mode);
    if (saved) sendHal(res, 200, { _links: { self: { href: `${ctx.baseUrl()}/api/v4/tasks` } }, _embedded: { tasks: saved } });
  };

  // PATCH /api/v4/tasks/{id} with one object: the official client's Tasks::updateOne (BaseEntity.php).
  router.patch('/tasks/:id', (req, res, next) => {
    const id = numericId(req.params['id']);
    if (id === null) return next();
    const body: unknown = req.body;
    if (!isRecord(body)) return sendProblem(res, 400, 'Request body must be an object');
    if (!ctx.store.tasks.has(id)) return sendProblem(res, 404, 'Not Found');
    const saved = save(res, [{ ...body, id }], 'update');
    if (saved?.[0]) sendHal(res, 200, saved[0]);
  });

  router.post('/tasks', write('create'));
  router.patch('/tasks', write('update'));
  return router;
}
