import { createSeededRandom } from '../portfolio/random';
import type { EntityKind } from './entity-schema';
import { entityFields } from './entity-fields';
import { EVENT_PREFIX, applyFields } from './entity-writer';
import type { PortalRuntime } from './portal-runtime';
import { stageEntityId } from './seed-to-portal';

/**
 * Simulated users at work: `count` seeded edits of deals, companies or contacts (amounts, stage
 * moves including closing some deals as won or lost (the close time is MOVED_TIME), company revenue and
 * satisfaction, contact positions), each stamped DATE_MODIFY = now and announced with the
 * matching ONCRM*UPDATE event, as a portal user's edit would be.
 */
export interface MutationRequest {
  count: number;
  entity?: EntityKind;
  seed?: number;
}

export interface Mutation {
  entity: EntityKind;
  id: number;
  changed: Record<string, unknown>;
}

let mutationRounds = 0;

export function mutatePortal(runtime: PortalRuntime, request: MutationRequest): Mutation[] {
  mutationRounds += 1;
  const random = createSeededRandom(request.seed ?? mutationRounds * 7919);
  const { state } = runtime;
  const out: Mutation[] = [];
  for (let i = 0; i < request.count; i += 1) {
    const kind: EntityKind = request.entity ?? (random.chance(0.6) ? 'deal' : random.chance(0.6) ? 'company' : 'contact');
    const table = state.tables[kind];
    if (table.ids.length === 0) continue;
    const id = table.ids[Math.floor(random.float() * table.ids.length)] as number;
    const row = table.rows.get(id);
    if (!row) continue;
    const changed: Record<string, unknown> = {};
    if (kind === 'deal') {
      changed.OPPORTUNITY = Math.max(1000, Math.round(Number(row.OPPORTUNITY ?? 0) * (0.8 + random.float() * 0.5) / 100) * 100);
      if (row.CLOSED !== 'Y') {
        const stages = state.statuses.filter((s) => s.ENTITY_ID === stageEntityId(Number(row.CATEGORY_ID)));
        const roll = random.float();
        const won = stages.find((s) => s.SEMANTICS === 'S');
        const lost = stages.find((s) => s.SEMANTICS === 'F');
        const process = stages.filter((s) => s.SEMANTICS === null);
        const next = process[process.findIndex((s) => s.STATUS_ID === row.STAGE_ID) + 1];
        if (roll < 0.25 && won) changed.STAGE_ID = won.STATUS_ID;
        else if (roll < 0.4 && lost) changed.STAGE_ID = lost.STATUS_ID;
        else if (roll < 0.8 && next) changed.STAGE_ID = next.STATUS_ID;
      }
    } else if (kind === 'company') {
      if (random.chance(0.5)) changed.REVENUE = Math.round(Number(row.REVENUE ?? 0) * (0.9 + random.float() * 0.3));
      else changed.UF_CRM_SATISFACTION = random.int(1, 10);
    } else {
      changed.POST = random.pick(['Коммерческий директор', 'Руководитель отдела закупок', 'Финансовый директор', 'Главный инженер']);
    }
    const userId = Number(row.ASSIGNED_BY_ID ?? 1) || 1;
    const applied = applyFields({
      state, kind, set: entityFields(state, kind), row, fields: changed, camel: false, creating: false, userId, now: runtime.now(),
    });
    if (!applied.ok) continue;
    if (kind === 'company' || kind === 'deal') row.LAST_ACTIVITY_TIME = runtime.now();
    runtime.events.entityChanged(`${EVENT_PREFIX[kind]}UPDATE`, id, userId);
    out.push({ entity: kind, id, changed: { ...changed, MOVED_TIME: kind === 'deal' && 'STAGE_ID' in changed ? row.MOVED_TIME : undefined } });
  }
  return out;
}
