import { createHash } from 'node:crypto';
import { KamError } from '../../core/errors';
import { i18n, inEveryLanguage } from '../../core/i18n/messages';
import type { CrmSetupOptions } from '../../core/ports/crm-connector.port';
import { tierLabel, tierListSignature, type TierListOptions } from '../shared/tier-list';
import type { AmoClient } from './amocrm-client';
import { accountInfo } from './amocrm-oauth';

/**
 * Idempotent account setup: the tier (select, code KAM_TIER, one enum per tier, labels in the
 * installation language, enum code = tier id) and score (numeric, code KAM_SCORE) fields on
 * companies, and on contacts when contacts are accounts too; the criteria's input fields on
 * companies when missing (INPUT_FIELDS); then the webhook of this installation. Existing fields are found by code first, so a second run creates nothing.
 * Fields: POST /api/v4/{entity}/custom_fields (CustomFieldModel::toApi, EnumModel::toApi with
 * `code`); webhooks: POST /api/v4/webhooks {destination, settings}
 * (https://www.amocrm.com/developers/content/api_v4/webhooks-2/).
 */
export const TIER_FIELD_CODE = 'KAM_TIER';
export const SCORE_FIELD_CODE = 'KAM_SCORE';
export const WEBHOOK_EVENTS = ['lead', 'contact', 'company'].flatMap((entity) => ['add', 'update', 'delete', 'restore'].map((action) => `${action}_${entity}`));

/**
 * The input fields the default criteria read (the mapper's DEFAULT_FIELD_MAP), created on
 * companies when the account lacks them, so a new account has somewhere to enter a potential.
 * Labels match the names the score reasons and tasks use.
 */
export const INPUT_FIELDS: ReadonlyArray<{ code: string; type: 'numeric' | 'date'; ru: string; en: string }> = [
  { code: 'KAM_POTENTIAL_3Y', type: 'numeric', ...inEveryLanguage('crmField.potential3y') },
  { code: 'KAM_MARGIN', type: 'numeric', ...inEveryLanguage('crmField.margin') },
  { code: 'KAM_SATISFACTION', type: 'numeric', ...inEveryLanguage('crmField.satisfaction') },
  { code: 'KAM_CONTRACT_END', type: 'date', ...inEveryLanguage('crmField.contractEnd') },
  { code: 'KAM_MARKETING_COST', type: 'numeric', ...inEveryLanguage('crmField.marketingCost') },
];

export interface AmoTierFields {
  tierFieldId: number;
  scoreFieldId: number;
  /** Tier id -> the enum id of the tier field. */
  tierEnumIds: Record<string, number>;
}

/** What the connector remembers of the account (installation.settings.amocrm). No secret in it. */
export interface AmoSlot {
  company: AmoTierFields;
  contact: AmoTierFields | null;
  /** The user our token acts as: a task needs a responsible user when the account has no owner. */
  appUserId: string | null;
  timezone: string;
  currency: string;
  /** The webhook: its id and the hash of the secret in its destination (the secret itself is sealed). */
  webhook: { id: number | null; secretHash: string } | null;
  /** The tier list setup last made the fields carry (tierListSignature); absent in older slots. */
  tierList?: string;
}

type Row = Record<string, unknown>;
type Entity = 'companies' | 'contacts';

export const secretHash = (secret: string): string => createHash('sha256').update(secret).digest('hex');
export const webhookDestination = (publicUrl: string, installationId: string, secret: string): string =>
  `${publicUrl.replace(/\/+$/, '')}/amocrm/webhooks/${encodeURIComponent(installationId)}/${encodeURIComponent(secret)}`;

async function listFields(client: AmoClient, entity: Entity): Promise<Row[]> {
  const rows: Row[] = [];
  let body = await client.get<Row>(`/api/v4/${entity}/custom_fields`, { limit: 50 });
  for (;;) {
    const list = (body?._embedded as Row | undefined)?.custom_fields;
    if (!Array.isArray(list) || list.length === 0) return rows;
    rows.push(...(list as Row[]));
    const next = ((body?._links as Row | undefined)?.next as Row | undefined)?.href;
    if (typeof next !== 'string') return rows;
    body = await client.follow<Row>(next);
  }
}

const byCode = (fields: Row[], code: string) => fields.find((field) => String(field.code ?? '').toUpperCase() === code);

/** Tier -> enum id: by the enum code we set, else by its label in either language (a field made by hand). */
function enumIds(field: Row, tiers: CrmSetupOptions['tiers']): Record<string, number> {
  const enums = Array.isArray(field.enums) ? (field.enums as Row[]) : [];
  const out: Record<string, number> = {};
  for (const tier of tiers) {
    const match = enums.find((item) => String(item.code ?? '').toUpperCase() === tier.id.toUpperCase())
      ?? enums.find((item) => [tier.ru, tier.en].includes(String(item.value ?? '')));
    if (match) out[tier.id] = Number(match.id);
  }
  return out;
}

type Created = { fields: number; webhooks: number; tierEnums: number };

/**
 * The tier field's enums brought in line with the configured tiers: a tier without an enum
 * (by code = tier id) gets one, an enum whose value is not the tier's label in the installation
 * language is relabelled. PATCH /api/v4/{entity}/custom_fields/{id} takes the select field's
 * whole `enums` list: an enum with its `id` is kept (same id, so the values companies hold stay
 * valid) and updated, one without `id` is created
 * (https://www.amocrm.ru/developers/content/crm_platform/custom-fields, "Редактирование
 * дополнительных полей"; EnumModel::toApi sends `id` when it has one). Every existing enum is
 * sent back with its id, so none is dropped: an enum of a tier no longer configured stays, as a
 * company still carrying it would otherwise lose its value before the writer reaches it (the
 * writer moves every such company to a configured tier in the same cycle).
 * Returns null when the field already matches.
 */
function tierEnumsPatch(field: Row, options: TierListOptions): Row[] | null {
  const enums = Array.isArray(field.enums) ? (field.enums as Row[]) : [];
  const next: Row[] = enums.map((item) => ({ id: Number(item.id), value: String(item.value ?? ''), sort: Number(item.sort ?? 0) }));
  let changes = 0;
  options.tiers.forEach((tier, index) => {
    const value = tierLabel(tier, options.lang);
    const at = enums.findIndex((item) => String(item.code ?? '').toUpperCase() === tier.id.toUpperCase());
    if (at < 0 && enumIds(field, [tier])[tier.id] === undefined) {
      next.push({ value, sort: (index + 1) * 10, code: tier.id.toUpperCase() });
      changes += 1;
    } else if (at >= 0 && String(enums[at]?.value ?? '') !== value) {
      next[at] = { ...next[at], value };
      changes += 1;
    }
  });
  return changes > 0 ? next : null;
}

async function ensureFields(client: AmoClient, entity: Entity, options: CrmSetupOptions, created: Created): Promise<AmoTierFields> {
  let fields = await listFields(client, entity);
  const missing: Row[] = [];
  const ru = options.lang === 'ru';
  const { t } = i18n(options.lang);
  if (!byCode(fields, TIER_FIELD_CODE)) {
    missing.push({
      name: t('crmField.tier'), type: 'select', code: TIER_FIELD_CODE, sort: 510,
      enums: options.tiers.map((tier, index) => ({ value: ru ? tier.ru : tier.en, sort: (index + 1) * 10, code: tier.id.toUpperCase() })),
    });
  }
  if (!byCode(fields, SCORE_FIELD_CODE)) missing.push({ name: t('crmField.score'), type: 'numeric', code: SCORE_FIELD_CODE, sort: 511 });
  if (entity === 'companies') {
    INPUT_FIELDS.forEach((input, index) => {
      if (!byCode(fields, input.code)) missing.push({ name: ru ? input.ru : input.en, type: input.type, code: input.code, sort: 520 + index });
    });
  }
  if (missing.length > 0) {
    const body = await client.write<Row>('POST', `/api/v4/${entity}/custom_fields`, missing.map((field, index) => ({ ...field, request_id: String(index) })), { idempotent: false });
    const made = ((body?._embedded as Row | undefined)?.custom_fields as Row[] | undefined) ?? [];
    fields = [...fields, ...made];
    created.fields += missing.length;
  }
  let tier = byCode(fields, TIER_FIELD_CODE);
  const patch = tier ? tierEnumsPatch(tier, options) : null;
  if (tier && patch) {
    const body = await client.write<Row>('PATCH', `/api/v4/${entity}/custom_fields/${Number(tier.id)}`, { enums: patch }, { idempotent: true });
    tier = body && Array.isArray(body.enums) ? body : tier;
    created.tierEnums += 1;
  }
  const score = byCode(fields, SCORE_FIELD_CODE);
  if (!tier || !score) throw new KamError('CRM_REJECTED', `amoCRM setup: the ${entity} fields ${TIER_FIELD_CODE}/${SCORE_FIELD_CODE} could not be created`);
  const tierEnumIds = enumIds(tier, options.tiers);
  const lacking = options.tiers.filter((item) => tierEnumIds[item.id] === undefined).map((item) => item.id);
  if (lacking.length > 0) throw new KamError('CRM_REJECTED', `amoCRM setup: the ${entity} field ${TIER_FIELD_CODE} has no value for tier(s) ${lacking.join(', ')}; add them in amoCRM or delete the field`);
  return { tierFieldId: Number(tier.id), scoreFieldId: Number(score.id), tierEnumIds };
}

async function ensureWebhook(client: AmoClient, destination: string, created: Created): Promise<number | null> {
  const existing = await client.get<Row>('/api/v4/webhooks', { filter: { destination } });
  const hook = (((existing?._embedded as Row | undefined)?.webhooks as Row[] | undefined) ?? []).find((row) => row.destination === destination);
  const settings = Array.isArray(hook?.settings) ? (hook.settings as unknown[]).map(String) : [];
  if (hook && hook.disabled !== true && WEBHOOK_EVENTS.every((event) => settings.includes(event))) return Number(hook.id);
  // Subscribing the same destination again replaces its events and re-enables it.
  const body = await client.write<Row>('POST', '/api/v4/webhooks', { destination, settings: WEBHOOK_EVENTS, sort: 10 }, { idempotent: true });
  created.webhooks += 1;
  return body?.id === undefined ? null : Number(body.id);
}

export async function setupAmoAccount(input: {
  client: AmoClient;
  installationId: string;
  /** The per-installation webhook secret (sealed in the installation's application token). */
  secret: string;
  options: CrmSetupOptions;
}): Promise<{ slot: AmoSlot; created: Created }> {
  const { client, options } = input;
  const created: Created = { fields: 0, webhooks: 0, tierEnums: 0 };
  const account = accountInfo(await client.get<Row>('/api/v4/account', { with: 'datetime_settings' }));
  const company = await ensureFields(client, 'companies', options, created);
  const contact = options.contactFields ? await ensureFields(client, 'contacts', options, created) : null;
  const webhookId = await ensureWebhook(client, webhookDestination(options.publicUrl, input.installationId, input.secret), created);
  return {
    slot: {
      company, contact, appUserId: account.currentUserId, timezone: account.timezone ?? 'Europe/Moscow', currency: account.currency,
      webhook: { id: webhookId, secretHash: secretHash(input.secret) },
      tierList: tierListSignature(options),
    },
    created,
  };
}

/** Is everything setup creates in place, as far as the slot remembers? A saved tier change is not. */
export function isAmoSetUp(slot: Partial<AmoSlot> | null, options: TierListOptions & { contactFields: boolean }): boolean {
  return Boolean(slot?.company?.tierFieldId && slot.company.scoreFieldId && slot.webhook && (!options.contactFields || slot.contact?.tierFieldId))
    && slot?.tierList === tierListSignature(options);
}
