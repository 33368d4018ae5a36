import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import type { Task } from '../portal-state';
import { refuse } from '../rest-failure';
import { formatDateTime, parseBitrixDate } from '../bitrix-time';
import { PAGE_SIZE } from '../list-query';

/**
 * tasks.task.add / update / get / list / complete (scope `task`): UPPER_CASE fields in,
 * camelCase `result.task` / `result.tasks` out, with string ids; UF_CRM_TASK links a task
 * to CRM items as D_12, CO_5, C_7 and comes back as ufCrmTask only when selected
 * (docs:api-reference/tasks/tasks-task-add, docs:api-reference/tasks/tasks-task-list).
 */
const STATUS_PENDING = '2';
const STATUS_COMPLETED = '5';

function view(task: Task, select: readonly string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: String(task.id), title: task.title, description: task.description, responsibleId: String(task.responsibleId),
    createdBy: String(task.createdBy), deadline: task.deadline === null ? null : formatDateTime(task.deadline),
    status: task.status, createdDate: formatDateTime(task.createdDate), changedDate: formatDateTime(task.changedDate),
  };
  if (select?.some((name) => name.toUpperCase() === 'UF_CRM_TASK')) out.ufCrmTask = task.ufCrmTask;
  return out;
}

function applyTaskFields(task: Task, fields: Record<string, unknown>): void {
  if (fields.TITLE !== undefined) task.title = String(fields.TITLE);
  if (fields.DESCRIPTION !== undefined) task.description = String(fields.DESCRIPTION);
  if (fields.RESPONSIBLE_ID !== undefined) task.responsibleId = Number(fields.RESPONSIBLE_ID);
  if (fields.DEADLINE !== undefined) task.deadline = parseBitrixDate(fields.DEADLINE);
  if (fields.STATUS !== undefined) task.status = String(fields.STATUS);
  if (fields.UF_CRM_TASK !== undefined) {
    const links = fields.UF_CRM_TASK;
    task.ufCrmTask = (Array.isArray(links) ? links : Object.values(asRecord(links))).map(String);
  }
}

function matchesTask(task: Task, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([rawKey, value]) => {
    const key = rawKey.replace(/^[=!<>%@]+/, '').toUpperCase();
    const values = (Array.isArray(value) ? value : [value]).map(String);
    const negate = rawKey.startsWith('!');
    let hit: boolean;
    switch (key) {
      case 'ID': hit = values.includes(String(task.id)); break;
      case 'RESPONSIBLE_ID': hit = values.includes(String(task.responsibleId)); break;
      case 'CREATED_BY': hit = values.includes(String(task.createdBy)); break;
      case 'STATUS': hit = values.includes(task.status); break;
      case 'UF_CRM_TASK': hit = task.ufCrmTask.some((link) => values.includes(link)); break;
      case 'TITLE': hit = values.some((text) => task.title.toLowerCase().includes(text.toLowerCase())); break;
      default: return true;
    }
    return negate ? !hit : hit;
  });
}

const taskOf = (ctx: CallContext, params: Record<string, unknown>): Task | undefined =>
  ctx.state.tasks.find((task) => task.id === Number(param(params, 'taskId') ?? param(params, 'id')));

export const taskMethods: MethodTable = {
  'tasks.task.add': (params, ctx) => {
    const fields = asRecord(param(params, 'fields'));
    if (typeof fields.TITLE !== 'string' || fields.TITLE.trim() === '') return refuse('ERROR_CORE', 'Не заполнено поле "Название"', 400);
    if (fields.RESPONSIBLE_ID === undefined) return refuse('ERROR_CORE', 'Не указан ответственный', 400);
    const now = ctx.now();
    const task: Task = {
      id: (ctx.state.tasks[ctx.state.tasks.length - 1]?.id ?? 0) + 1, title: '', description: '', responsibleId: 0,
      createdBy: Number(fields.CREATED_BY ?? ctx.auth.userId), deadline: null, status: STATUS_PENDING, ufCrmTask: [],
      createdDate: now, changedDate: now,
    };
    applyTaskFields(task, fields);
    ctx.state.tasks.push(task);
    return done({ task: view(task, ['UF_CRM_TASK']) }, { rows: 1 });
  },
  'tasks.task.update': (params, ctx) => {
    const task = taskOf(ctx, params);
    if (!task) return refuse('ERROR_CORE', 'Задача не найдена или доступ запрещён', 400);
    applyTaskFields(task, asRecord(param(params, 'fields')));
    task.changedDate = ctx.now();
    return done({ task: view(task, ['UF_CRM_TASK']) });
  },
  'tasks.task.complete': (params, ctx) => {
    const task = taskOf(ctx, params);
    if (!task) return refuse('ERROR_CORE', 'Задача не найдена или доступ запрещён', 400);
    task.status = STATUS_COMPLETED;
    task.changedDate = ctx.now();
    return done({ task: view(task, null) });
  },
  'tasks.task.get': (params, ctx) => {
    const task = taskOf(ctx, params);
    if (!task) return refuse('ERROR_CORE', 'Задача не найдена или доступ запрещён', 400);
    const select = param(params, 'select');
    return done({ task: view(task, Array.isArray(select) ? select.map(String) : null) });
  },
  'tasks.task.list': (params, ctx) => {
    const filter = asRecord(param(params, 'filter'));
    const select = param(params, 'select');
    const all = ctx.state.tasks.filter((task) => matchesTask(task, filter));
    const start = Math.max(0, Number(param(params, 'start') ?? 0) || 0);
    const page = all.slice(start, start + PAGE_SIZE).map((task) => view(task, Array.isArray(select) ? select.map(String) : null));
    return done({ tasks: page }, { total: all.length, next: start + PAGE_SIZE < all.length ? start + PAGE_SIZE : undefined, rows: page.length });
  },
};
