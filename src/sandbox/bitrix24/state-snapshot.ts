import { formatDateTime } from './bitrix-time';
import { entityFields, formatValue } from './entity-fields';
import type { PortalRuntime } from './portal-runtime';
import { COMPANY_UF } from './seed-to-portal';
import type { Delivery } from './event-bus';

/**
 * What clients wrote into the portal, for tests and demos to assert on (GET /_sandbox/state):
 * user fields they added and the values companies and deals hold in them, timeline comments,
 * to-dos with their state, tasks, bound events and placements, app options, install state.
 */
export interface Bitrix24SandboxState {
  app: { installed: boolean; memberId: string; domain: string; version: number; applicationToken: string };
  appOptions: Record<string, unknown>;
  userFields: Array<{ id: string; entityId: string; fieldName: string; type: string; list?: Array<{ ID: string; VALUE: string; XML_ID: string }> }>;
  /** Per company (and deal) the values of user fields a client added (e.g. tier, score). */
  companies: Array<{ id: number; title: string; fields: Record<string, unknown> }>;
  deals: Array<{ id: number; title: string; fields: Record<string, unknown> }>;
  comments: Array<{ id: number; entityType: string; entityId: number; comment: string; authorId: number; created: string }>;
  activities: Array<{ id: number; ownerTypeId: number; ownerId: number; title: string; description: string; responsibleId: number; completed: boolean; deadline: string }>;
  tasks: Array<{ id: number; title: string; responsibleId: number; status: string; deadline: string | null; ufCrmTask: string[] }>;
  events: Array<{ event: string; handler: string; authType: number; offline: boolean }>;
  placements: Array<{ placement: string; handler: string; title: string }>;
  deliveries: Delivery[];
  warnings: string[];
  counts: { deals: number; companies: number; contacts: number };
}

export function snapshotState(runtime: PortalRuntime): Bitrix24SandboxState {
  const { state } = runtime;
  const seeded = new Set(COMPANY_UF.map((uf) => uf.name));
  const written = (kind: 'company' | 'deal') => {
    const set = entityFields(state, kind);
    const clientFields = set.fields.filter((field) => field.name.startsWith('UF_') && !seeded.has(field.name));
    const out: Array<{ id: number; title: string; fields: Record<string, unknown> }> = [];
    if (clientFields.length === 0) return out;
    for (const id of state.tables[kind].ids) {
      const row = state.tables[kind].rows.get(id);
      if (!row) continue;
      const fields: Record<string, unknown> = {};
      for (const field of clientFields) {
        const value = row[field.name];
        if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) fields[field.name] = formatValue(field, value, true);
      }
      if (Object.keys(fields).length > 0) out.push({ id, title: String(row.TITLE ?? ''), fields });
    }
    return out;
  };
  return {
    app: { installed: state.app.installed, memberId: state.app.memberId, domain: state.app.domain, version: state.app.version, applicationToken: state.app.applicationToken },
    appOptions: { ...state.appOptions },
    userFields: state.userFields.map((uf) => ({
      id: uf.ID, entityId: uf.ENTITY_ID, fieldName: uf.FIELD_NAME, type: uf.USER_TYPE_ID,
      ...(uf.LIST ? { list: uf.LIST.map((item) => ({ ID: item.ID, VALUE: item.VALUE, XML_ID: item.XML_ID })) } : {}),
    })),
    companies: written('company'),
    deals: written('deal'),
    comments: state.comments.map((c) => ({ id: c.ID, entityType: c.ENTITY_TYPE, entityId: c.ENTITY_ID, comment: c.COMMENT, authorId: c.AUTHOR_ID, created: formatDateTime(c.CREATED) })),
    activities: state.activities.map((a) => ({
      id: a.ID, ownerTypeId: a.OWNER_TYPE_ID, ownerId: a.OWNER_ID, title: a.SUBJECT, description: a.DESCRIPTION,
      responsibleId: a.RESPONSIBLE_ID, completed: a.COMPLETED === 'Y', deadline: formatDateTime(a.DEADLINE),
    })),
    tasks: state.tasks.map((t) => ({ id: t.id, title: t.title, responsibleId: t.responsibleId, status: t.status, deadline: t.deadline === null ? null : formatDateTime(t.deadline), ufCrmTask: t.ufCrmTask })),
    events: state.eventBindings.map((b) => ({ event: b.event, handler: b.handler, authType: b.authType, offline: b.offline })),
    placements: state.placements.map((p) => ({ placement: p.placement, handler: p.handler, title: p.title })),
    deliveries: runtime.events.deliveries(),
    warnings: [...state.warnings],
    counts: { deals: state.tables.deal.rows.size, companies: state.tables.company.rows.size, contacts: state.tables.contact.rows.size },
  };
}
