import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { EntityType, NoteRecord } from './amo-records';
import { entityTypeOf, numericId, sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { filterOf, inRange, MAX_LIMIT, numberList, orderOf, pageLinks, pageOf, parsePaging, range } from './list-query';
import { createIssueCollector, DETAIL, sendKamError, sendProblem, validationError } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';

/**
 * POST /api/v4/{entity}/notes (array of `{entity_id, note_type, params}`) and
 * POST /api/v4/{entity}/{id}/notes (reference §3.6; EntityNotes.php). `common` needs
 * `params.text`; `service_message` needs `params.service` and `params.text`. GET lists them per
 * type or per record with NotesFilter's filters, and reads one by id.
 */
const NOTE_TYPES: Record<string, string[]> = { common: ['text'], service_message: ['service', 'text'] };
const KEYS = new Set(['entity_id', 'note_type', 'params', 'request_id', 'created_by', 'responsible_user_id', 'is_need_to_trigger_digital_pipeline']);
const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** NotesFilter::buildFilter: filter[id], filter[entity_id] (lists), filter[note_type] (list), filter[updated_at] (int or from/to). */
function compileNoteFilter(filter: Record<string, unknown>): (note: NoteRecord) => boolean {
  const ids = numberList(filter['id']);
  const entityIds = numberList(filter['entity_id']);
  const rawTypes = filter['note_type'];
  const types = rawTypes === undefined || rawTypes === '' ? null
    : (Array.isArray(rawTypes) ? rawTypes : isRecord(rawTypes) ? Object.values(rawTypes) : [rawTypes]).map(String);
  const updated = range(filter['updated_at']);
  return (note) => (ids === null || ids.includes(note.id)) && (entityIds === null || entityIds.includes(note.entity_id))
    && (types === null || types.includes(note.note_type)) && (updated === null || inRange(note.updated_at, updated));
}

function noteView(ctx: AmoSandboxContext, note: NoteRecord): Record<string, unknown> {
  return {
    id: note.id, entity_id: note.entity_id, created_by: note.created_by, updated_by: note.created_by, created_at: note.created_at,
    updated_at: note.updated_at, responsible_user_id: note.responsible_user_id, group_id: 0, note_type: note.note_type,
    params: note.params, account_id: ctx.store.account.id,
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/${note.entity_type}/${note.entity_id}/notes/${note.id}` } },
  };
}

export function createNotesRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  const create = (type: EntityType, items: unknown[], fixedEntityId: number | null): ReturnType<typeof validationError> | Array<Record<string, unknown>> => {
    const issues = createIssueCollector();
    const requestIds = items.map((item, i) => (isRecord(item) && item['request_id'] !== undefined ? String(item['request_id']) : String(i)));
    items.forEach((item, i) => {
      const add = (code: string, path: string, detail: string): void => issues.add(requestIds[i] ?? String(i), code, path, detail);
      if (!isRecord(item)) return add('InvalidType', '', 'This value should be of type object.');
      for (const key of Object.keys(item)) if (!KEYS.has(key)) add('FieldNotExpected', key, DETAIL.notExpected);
      const entityId = fixedEntityId ?? item['entity_id'];
      if (!(typeof entityId === 'number' && ctx.store.entities(type).has(entityId))) add('NotSupportedChoice', 'entity_id', DETAIL.notChoice);
      const required = NOTE_TYPES[String(item['note_type'])];
      if (!required) return add('NotSupportedChoice', 'note_type', DETAIL.notChoice);
      const params = item['params'];
      if (!isRecord(params)) return add('NotBlank', 'params', DETAIL.notBlank);
      for (const key of required) if (typeof params[key] !== 'string' || params[key] === '') add('NotBlank', `params.${key}`, DETAIL.notBlank);
    });
    const entries = issues.entries();
    if (entries.length > 0) return validationError(entries);
    const now = nowSeconds(ctx);
    return items.map((raw, i) => {
      const item = raw as Record<string, unknown>;
      const note: NoteRecord = {
        id: ctx.store.nextId('note'), entity_type: type, entity_id: fixedEntityId ?? (item['entity_id'] as number),
        note_type: String(item['note_type']), params: item['params'] as Record<string, unknown>,
        responsible_user_id: ctx.store.account.currentUserId, created_by: ctx.store.account.currentUserId, created_at: now, updated_at: now,
      };
      ctx.store.notes.push(note);
      return { id: note.id, entity_id: note.entity_id, request_id: requestIds[i], _links: noteView(ctx, note)['_links'] };
    });
  };

  const post = (withId: boolean): RequestHandler => (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    const entityId = withId ? numericId(req.params['id']) : null;
    if (!type || (withId && entityId === null)) return next();
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) return sendProblem(res, 400, 'Request body must be a non-empty array');
    if (body.length > MAX_LIMIT) return sendProblem(res, 400, `Maximum ${MAX_LIMIT} entities per request`);
    if (ctx.behaviour.writeTimesOut(body.length)) return ctx.behaviour.sendGatewayTimeout(res);
    const created = create(type, body, entityId);
    if (!Array.isArray(created)) return sendKamError(res, created);
    sendHal(res, 200, { _links: { self: { href: `${ctx.baseUrl()}${req.baseUrl}${req.path}` } }, _embedded: { notes: created } });
  };

  router.post('/:entity/notes', post(false));
  router.post('/:entity/:id/notes', post(true));

  // Lists: all notes of a type, or of one record (EntityNotes::get / getByParentId).
  const list = (withId: boolean): RequestHandler => (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    const parentId = withId ? numericId(req.params['id']) : null;
    if (!type || (withId && parentId === null)) return next();
    const query = req.query as Query;
    const paging = parsePaging(query);
    if (!paging.ok) return sendProblem(res, 400, paging.error.message);
    const matches = compileNoteFilter(filterOf(query));
    const order = orderOf(query, ['updated_at', 'id']);
    const key = order.field as 'updated_at' | 'id';
    const notes = ctx.store.notes
      .filter((note) => note.entity_type === type && (parentId === null || note.entity_id === parentId) && matches(note))
      .sort((a, b) => (order.desc ? -1 : 1) * (a[key] - b[key] || a.id - b.id));
    const page = pageOf(notes, paging.value);
    if (page.items.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _page: paging.value.page,
      _links: pageLinks(ctx.baseUrl(), `${req.baseUrl}${req.path}`, query, paging.value, page.hasNext),
      _embedded: { notes: page.items.map((note) => noteView(ctx, note)) },
    });
  };
  router.get('/:entity/notes', list(false));
  router.get('/:entity/:id/notes', list(true));

  // One note: /{entity}/notes/{id} (notes API page) and /{entity}/{parent}/notes/{id} (EntityNotes::getOne).
  const one = (withParent: boolean): RequestHandler => (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    const noteId = numericId(req.params['noteId']);
    const parentId = withParent ? numericId(req.params['id']) : null;
    if (!type || noteId === null || (withParent && parentId === null)) return next();
    const note = ctx.store.notes.find((item) => item.id === noteId && item.entity_type === type && (parentId === null || item.entity_id === parentId));
    if (!note) return ctx.behaviour.sendMissingRecord(res);
    sendHal(res, 200, noteView(ctx, note));
  };
  router.get('/:entity/notes/:noteId', one(false));
  router.get('/:entity/:id/notes/:noteId', one(true));

  return router;
}
