import { Router } from 'express';
import type { EntityRecord, EntityType, LeadRecord } from './amo-records';
import { buildLinkIndex, entityView } from './entity-views';
import type { ViewOptions } from './entity-views';
import { entityTypeOf, numericId, sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { filterOf, inRange, numberList, orderOf, pageLinks, pageOf, parsePaging, range, withOf } from './list-query';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';

/**
 * GET /api/v4/{leads|contacts|companies} and GET /api/v4/{entity}/{id}
 * (https://www.amocrm.ru/developers/content/crm_platform/leads-api; reference §3.1-3.3).
 * The sandbox reports `is_api_filter_enabled: true`, so filters are honoured. Deleted records
 * are listed only with `with=only_deleted`; read one by id, they are missing (204 or 404).
 */
function matchesFilter(type: EntityType, record: EntityRecord, checks: FilterChecks): boolean {
  if (checks.ids && !checks.ids.has(record.id)) return false;
  if (checks.responsible && !checks.responsible.has(record.responsible_user_id)) return false;
  if (checks.createdBy && !checks.createdBy.has(record.created_by)) return false;
  if (checks.updatedBy && !checks.updatedBy.has(record.updated_by)) return false;
  if (checks.updatedAt && !inRange(record.updated_at, checks.updatedAt)) return false;
  if (checks.createdAt && !inRange(record.created_at, checks.createdAt)) return false;
  if (checks.name && !checks.name.has(record.name)) return false;
  if (type === 'leads') {
    const lead = record as LeadRecord;
    if (checks.closedAt && !inRange(lead.closed_at, checks.closedAt)) return false;
    if (checks.pipelines && !checks.pipelines.has(lead.pipeline_id)) return false;
    if (checks.price && !inRange(lead.price, checks.price)) return false;
    if (checks.statuses && !checks.statuses.some((s) => s.pipeline_id === lead.pipeline_id && s.status_id === lead.status_id)) return false;
  }
  return true;
}

interface FilterChecks {
  ids: Set<number> | null;
  responsible: Set<number> | null;
  createdBy: Set<number> | null;
  updatedBy: Set<number> | null;
  updatedAt: ReturnType<typeof range>;
  createdAt: ReturnType<typeof range>;
  closedAt: ReturnType<typeof range>;
  price: ReturnType<typeof range>;
  pipelines: Set<number> | null;
  statuses: Array<{ pipeline_id: number; status_id: number }> | null;
  name: Set<string> | null;
}

function compileFilter(filter: Record<string, unknown>): FilterChecks {
  const set = (value: unknown): Set<number> | null => {
    const list = numberList(value);
    return list === null ? null : new Set(list);
  };
  const rawStatuses = filter['statuses'];
  const statusList = rawStatuses && typeof rawStatuses === 'object' ? Object.values(rawStatuses as Record<string, unknown>) : null;
  const names = filter['name'];
  return {
    ids: set(filter['id']), responsible: set(filter['responsible_user_id']), createdBy: set(filter['created_by']),
    updatedBy: set(filter['updated_by']), updatedAt: range(filter['updated_at']), createdAt: range(filter['created_at']),
    closedAt: range(filter['closed_at']), price: range(filter['price']), pipelines: set(filter['pipeline_id']),
    statuses: statusList === null ? null : statusList.map((item) => {
      const entry = (item ?? {}) as Record<string, unknown>;
      return { pipeline_id: Number(entry['pipeline_id']), status_id: Number(entry['status_id']) };
    }),
    name: names === undefined ? null : new Set((Array.isArray(names) ? names : [names]).map(String)),
  };
}

function listRecords(ctx: AmoSandboxContext, type: EntityType, query: Query, onlyDeleted: boolean): EntityRecord[] {
  const checks = compileFilter(filterOf(query));
  const text = typeof query['query'] === 'string' ? query['query'].trim().toLowerCase() : '';
  const source = onlyDeleted ? ctx.store.trash[type] : ctx.store.entities(type);
  const records = [...source.values()].filter((record) =>
    matchesFilter(type, record, checks) && (text === '' || record.name.toLowerCase().includes(text) || String(record.id) === text));
  const order = orderOf(query, ['updated_at', 'id', 'created_at']);
  const key = order.field as 'updated_at' | 'id' | 'created_at';
  const sign = order.desc ? -1 : 1;
  return records.sort((a, b) => sign * (a[key] - b[key] || a.id - b.id));
}

export function createEntitiesReadRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/:entity', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const query = req.query as Query;
    const paging = parsePaging(query);
    if (!paging.ok) return sendProblem(res, 400, paging.error.message);
    const withSet = withOf(query);
    // with=only_deleted lists the trash instead (LeadModel/ContactModel/CompanyModel::getAvailableWith).
    const onlyDeleted = withSet.has('only_deleted');
    const page = pageOf(listRecords(ctx, type, query, onlyDeleted), paging.value);
    if (page.items.length === 0) return sendNoContent(res);
    const needsLinks = type !== 'leads' && (withSet.has('leads') || withSet.has('contacts'));
    const options: ViewOptions = { store: ctx.store, baseUrl: ctx.baseUrl(), with: withSet, links: needsLinks ? buildLinkIndex(ctx.store) : null };
    sendHal(res, 200, {
      _page: paging.value.page,
      _links: pageLinks(ctx.baseUrl(), `/api/v4/${type}`, query, paging.value, page.hasNext),
      _embedded: { [type]: page.items.map((record) => ({ ...entityView(options, type, record), ...(onlyDeleted ? { is_deleted: true } : {}) })) },
    });
  });

  router.get('/:entity/:id', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    const id = numericId(req.params['id']);
    if (!type || id === null) return next();
    const record = ctx.store.entities(type).get(id);
    if (!record) return ctx.behaviour.sendMissingRecord(res);
    const withSet = withOf(req.query as Query);
    const options: ViewOptions = { store: ctx.store, baseUrl: ctx.baseUrl(), with: withSet, links: type === 'leads' ? null : buildLinkIndex(ctx.store) };
    sendHal(res, 200, entityView(options, type, record));
  });

  return router;
}
