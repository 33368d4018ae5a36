import { POSTS } from '../portfolio/catalog';
import type { ContactRecord, EntityRecord, EntityType, LeadRecord } from './amo-records';
import { COMPANY_FIELD_CODES } from './field-catalog';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';
import { LOST_STATUS_ID, WON_STATUS_ID } from './seed-mapping';
import type { EntityChange } from './webhook-payload';

/**
 * The account's own managers at work (POST /_sandbox/mutate): each edit changes one entity
 * the way a person in the CRM UI would (a deal moves a stage or changes price, a company's
 * satisfaction or potential is re-rated, a contact changes position), bumps updated_at and
 * fires the matching webhooks. Draws come from the sandbox's seeded stream.
 */
export interface SimulatedEdit {
  entity: EntityType;
  id: number;
  change: string;
}

function editLead(ctx: AmoSandboxContext, lead: LeadRecord): { change: string; actions: EntityChange['actions'] } {
  const pipeline = ctx.store.pipeline(lead.pipeline_id);
  const open = lead.status_id !== WON_STATUS_ID && lead.status_id !== LOST_STATUS_ID;
  if (open && pipeline && ctx.random.chance(0.5)) {
    const regular = pipeline.statuses.filter((status) => status.type === 0 && status.id !== WON_STATUS_ID && status.id !== LOST_STATUS_ID);
    const index = regular.findIndex((status) => status.id === lead.status_id);
    const next = regular[index + 1]?.id ?? (ctx.random.chance(0.6) ? WON_STATUS_ID : LOST_STATUS_ID);
    lead.status_id = next;
    if (next === WON_STATUS_ID || next === LOST_STATUS_ID) lead.closed_at = nowSeconds(ctx);
    return { change: `status_id -> ${next}`, actions: ['update', 'status'] };
  }
  lead.price = Math.max(0, Math.round(lead.price * (0.8 + ctx.random.float() * 0.4)));
  return { change: `price -> ${lead.price}`, actions: ['update'] };
}

function editCompany(ctx: AmoSandboxContext, company: EntityRecord): string {
  const byCode = (code: string): number | undefined => ctx.store.fields.companies.find((field) => field.code === code)?.id;
  const satisfaction = byCode(COMPANY_FIELD_CODES.satisfaction);
  const potential = byCode(COMPANY_FIELD_CODES.potential3y);
  if (satisfaction !== undefined && ctx.random.chance(0.5)) {
    const score = ctx.random.int(1, 10);
    company.fields.set(satisfaction, [{ value: String(score) }]);
    return `${COMPANY_FIELD_CODES.satisfaction} -> ${score}`;
  }
  if (potential === undefined) return 'touched';
  const current = Number(company.fields.get(potential)?.[0]?.value ?? 0);
  const next = Math.round(current * (0.85 + ctx.random.float() * 0.3));
  company.fields.set(potential, [{ value: String(next) }]);
  return `${COMPANY_FIELD_CODES.potential3y} -> ${next}`;
}

function editContact(ctx: AmoSandboxContext, contact: ContactRecord): string {
  const position = ctx.store.fields.contacts.find((field) => field.code === 'POSITION');
  const post = ctx.random.pick(POSTS);
  if (position) contact.fields.set(position.id, [{ value: post }]);
  return `POSITION -> ${post}`;
}

export function simulateUserEdits(ctx: AmoSandboxContext, count: number, only?: EntityType): SimulatedEdit[] {
  const edits: SimulatedEdit[] = [];
  const users = ctx.store.users.filter((user) => user.isActive);
  for (let i = 0; i < count; i += 1) {
    const roll = ctx.random.float();
    const type: EntityType = only ?? (roll < 0.6 ? 'leads' : roll < 0.85 ? 'companies' : 'contacts');
    const ids = [...ctx.store.entities(type).keys()];
    if (ids.length === 0 || users.length === 0) continue;
    const record = ctx.store.entities(type).get(ctx.random.pick(ids));
    if (!record) continue;
    const user = ctx.random.pick(users);
    const old = { status_id: (record as LeadRecord).status_id, pipeline_id: (record as LeadRecord).pipeline_id, responsible_user_id: record.responsible_user_id };
    let change: string;
    let actions: EntityChange['actions'] = ['update'];
    if (type === 'leads') ({ change, actions } = editLead(ctx, record as LeadRecord));
    else if (type === 'companies') change = editCompany(ctx, record);
    else change = editContact(ctx, record as ContactRecord);
    record.updated_at = nowSeconds(ctx);
    record.updated_by = user.id;
    edits.push({ entity: type, id: record.id, change });
    // Emitted per edit, so each payload shows the entity right after that edit.
    ctx.webhooks.emit([{ entity: type, id: record.id, actions, old, userId: user.id }]);
  }
  return edits;
}
