import { Router } from 'express';
import type { EntityType, FieldRecord, FieldType } from './amo-records';
import { fieldView } from './entity-views';
import { entityTypeOf, numericId, sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { MAX_LIMIT, pageLinks, pageOf, parsePaging } from './list-query';
import { createIssueCollector, DETAIL, sendKamError, sendProblem, validationError } from './problem';
import type { AmoSandboxContext } from './sandbox-context';

/**
 * GET/POST /api/v4/{leads|contacts|companies}/custom_fields, PATCH .../custom_fields/{id} (reference §3.7,
 * https://www.amocrm.ru/developers/content/crm_platform/custom-fields). POST takes an array
 * of `{name, type, code?, sort?, enums?: [{value, sort?, code?}], is_api_only?, group_id?}`;
 * enums get ids; a code already used on that entity is a validation error.
 */
const TYPES: readonly FieldType[] = ['text', 'numeric', 'checkbox', 'select', 'multiselect', 'multitext', 'date', 'url', 'textarea', 'radiobutton', 'date_time', 'birthday', 'price', 'monetary'];
const ENUM_TYPES = new Set<FieldType>(['select', 'multiselect', 'radiobutton', 'multitext']);
const KEYS = new Set(['name', 'type', 'code', 'sort', 'enums', 'is_api_only', 'group_id', 'request_id', 'required_statuses', 'remind', 'settings']);

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function createFields(ctx: AmoSandboxContext, type: EntityType, items: unknown[]): ReturnType<typeof validationError> | Array<{ field: FieldRecord; requestId: string }> {
  const issues = createIssueCollector();
  const codes = new Set(ctx.store.fields[type].map((field) => field.code?.toUpperCase()).filter((code) => code !== undefined));
  items.forEach((raw, index) => {
    const requestId = isRecord(raw) && raw['request_id'] !== undefined ? String(raw['request_id']) : String(index);
    const add = (code: string, path: string, detail: string): void => issues.add(requestId, code, path, detail);
    if (!isRecord(raw)) return add('InvalidType', '', 'This value should be of type object.');
    for (const key of Object.keys(raw)) if (!KEYS.has(key)) add('FieldNotExpected', key, DETAIL.notExpected);
    if (typeof raw['name'] !== 'string' || raw['name'].trim() === '') add('NotBlank', 'name', DETAIL.notBlank);
    if (!TYPES.includes(raw['type'] as FieldType)) add('NotSupportedChoice', 'type', DETAIL.notChoice);
    if (raw['code'] !== undefined && raw['code'] !== null) {
      const code = String(raw['code']).toUpperCase();
      if (codes.has(code)) add('NotUnique', 'code', 'This value is already used.');
      codes.add(code);
    }
    if (ENUM_TYPES.has(raw['type'] as FieldType) && raw['type'] !== 'multitext') {
      const enums = raw['enums'];
      if (!Array.isArray(enums) || enums.length === 0) add('NotBlank', 'enums', DETAIL.notBlank);
      else enums.forEach((item, i) => {
        if (!isRecord(item) || typeof item['value'] !== 'string' || item['value'] === '') add('NotBlank', `enums.${i}.value`, DETAIL.notBlank);
      });
    }
  });
  const entries = issues.entries();
  if (entries.length > 0) return validationError(entries);
  return items.map((raw, index) => {
    const item = raw as Record<string, unknown>;
    const enums = Array.isArray(item['enums'])
      ? (item['enums'] as Array<Record<string, unknown>>).map((entry, i) => ({
        id: ctx.store.nextId('enum'), value: String(entry['value']), sort: Number(entry['sort'] ?? (i + 1) * 10),
        code: typeof entry['code'] === 'string' ? entry['code'] : null,
      }))
      : null;
    const field: FieldRecord = {
      id: ctx.store.nextId('field'), entityType: type, name: String(item['name']), type: item['type'] as FieldType,
      code: typeof item['code'] === 'string' ? item['code'].toUpperCase() : null, sort: Number(item['sort'] ?? 500),
      isApiOnly: item['is_api_only'] === true, groupId: typeof item['group_id'] === 'string' ? item['group_id'] : null,
      enums, createdViaApi: true,
    };
    ctx.store.fields[type].push(field);
    return { field, requestId: item['request_id'] !== undefined ? String(item['request_id']) : String(index) };
  });
}

/**
 * PATCH /api/v4/{entity}/custom_fields/{id} (https://www.amocrm.ru/developers/content/crm_platform/custom-fields,
 * "Редактирование дополнительного поля"): name, sort, code and enums may change. For a list
 * field (select, multiselect, radiobutton) `enums` is required and is the field's list, sent
 * whole: an enum with `id` is that enum updated (its id stays, and so do the values entities hold),
 * one without `id` is new, and an enum left out is gone.
 */
function patchField(ctx: AmoSandboxContext, field: FieldRecord, raw: unknown): ReturnType<typeof validationError> | FieldRecord {
  const issues = createIssueCollector();
  const add = (code: string, path: string, detail: string): void => issues.add('0', code, path, detail);
  if (!isRecord(raw)) {
    add('InvalidType', '', 'This value should be of type object.');
    return validationError(issues.entries());
  }
  for (const key of Object.keys(raw)) if (!KEYS.has(key) && key !== 'id') add('FieldNotExpected', key, DETAIL.notExpected);
  if (raw['name'] !== undefined && (typeof raw['name'] !== 'string' || raw['name'].trim() === '')) add('NotBlank', 'name', DETAIL.notBlank);
  const listed = ENUM_TYPES.has(field.type) && field.type !== 'multitext';
  const enums = raw['enums'];
  if (listed && (!Array.isArray(enums) || enums.length === 0)) add('NotBlank', 'enums', DETAIL.notBlank);
  const known = new Set((field.enums ?? []).map((item) => item.id));
  if (Array.isArray(enums)) enums.forEach((item, i) => {
    if (!isRecord(item) || typeof item['value'] !== 'string' || item['value'] === '') add('NotBlank', `enums.${i}.value`, DETAIL.notBlank);
    else if (item['id'] !== undefined && !known.has(Number(item['id']))) add('NotFound', `enums.${i}.id`, 'This enum does not exist.');
  });
  const entries = issues.entries();
  if (entries.length > 0) return validationError(entries);
  if (typeof raw['name'] === 'string') field.name = raw['name'];
  if (raw['sort'] !== undefined) field.sort = Number(raw['sort']);
  if (Array.isArray(enums) && field.enums) {
    const before = new Map(field.enums.map((item) => [item.id, item]));
    field.enums = (enums as Array<Record<string, unknown>>).map((entry, i) => {
      const kept = entry['id'] === undefined ? undefined : before.get(Number(entry['id']));
      const code = typeof entry['code'] === 'string' ? entry['code'] : kept?.code ?? null;
      return { id: kept?.id ?? ctx.store.nextId('enum'), value: String(entry['value']), sort: Number(entry['sort'] ?? kept?.sort ?? (i + 1) * 10), code };
    });
    // An entity's list value is its enum: it reads as the enum's new label, and goes with the enum.
    const now = new Map(field.enums.map((item) => [item.id, item]));
    for (const record of ctx.store.entities(field.entityType).values()) {
      const values = record.fields.get(field.id);
      if (!values) continue;
      const next = values.flatMap((value) => {
        const item = value.enum_id === undefined ? undefined : now.get(value.enum_id);
        if (value.enum_id !== undefined && !item) return [];
        return item ? [{ ...value, value: item.value, enum_code: item.code ?? null }] : [value];
      });
      record.fields.set(field.id, next);
    }
  }
  return field;
}

export function createCustomFieldsRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/:entity/custom_fields', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const query = req.query as Query;
    const paging = parsePaging(query);
    if (!paging.ok) return sendProblem(res, 400, paging.error.message);
    const all = [...ctx.store.fields[type]].sort((a, b) => a.sort - b.sort || a.id - b.id);
    const page = pageOf(all, paging.value);
    if (page.items.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _total_items: all.length, _page: paging.value.page, _page_count: Math.ceil(all.length / paging.value.limit),
      _links: pageLinks(ctx.baseUrl(), `/api/v4/${type}/custom_fields`, query, paging.value, page.hasNext),
      _embedded: { custom_fields: page.items.map((field) => fieldView(field, ctx.store.account.id, ctx.baseUrl())) },
    });
  });

  router.get('/:entity/custom_fields/:id', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const field = ctx.store.field(type, numericId(req.params['id']) ?? -1);
    if (!field) return sendProblem(res, 404, 'Not Found');
    sendHal(res, 200, fieldView(field, ctx.store.account.id, ctx.baseUrl()));
  });

  router.post('/:entity/custom_fields', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) return sendProblem(res, 400, 'Request body must be a non-empty array');
    if (body.length > MAX_LIMIT) return sendProblem(res, 400, `Maximum ${MAX_LIMIT} entities per request`);
    const created = createFields(ctx, type, body);
    if (!Array.isArray(created)) return sendKamError(res, created);
    sendHal(res, 200, {
      _total_items: created.length,
      _embedded: { custom_fields: created.map(({ field, requestId }) => ({ ...fieldView(field, ctx.store.account.id, ctx.baseUrl()), request_id: requestId })) },
    });
  });

  router.patch('/:entity/custom_fields/:id', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const field = ctx.store.field(type, numericId(req.params['id']) ?? -1);
    if (!field) return sendProblem(res, 404, 'Not Found');
    const patched = patchField(ctx, field, req.body);
    if (patched instanceof Error) return sendKamError(res, patched);
    sendHal(res, 200, fieldView(patched, ctx.store.account.id, ctx.baseUrl()));
  });

  return router;
}
