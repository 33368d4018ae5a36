import { KamError } from '../../core/errors';
import { i18n, inEveryLanguage } from '../../core/i18n/messages';
import { tierLabel, tierListSignature } from '../shared/tier-list';
import type { BatchCommand, Bitrix24Client } from './bitrix24-client';
import type { TierFields } from './bitrix24-writer';

/**
 * Idempotent portal setup: tier and score fields (on companies; on contacts too when contacts
 * without a company are accounts), the input fields the criteria read (INPUT_FIELDS, when
 * missing), the deal and company card tabs, and the CRM event
 * subscriptions. It reads what exists first (one request) and writes only what is missing (one
 * more at most), so running it twice changes nothing. Bitrix24 drops bindings on update, so it
 * runs again on ONAPPUPDATE (https://apidocs.bitrix24.com/api-reference/events/event-bind.html).
 * Field rules: https://apidocs.bitrix24.com/api-reference/crm/companies/userfields/crm-company-userfield-add.html
 */
export const TIER_FIELD_CODE = 'KAM_TIER';
export const SCORE_FIELD_CODE = 'KAM_SCORE';
export const TIER_FIELD = `UF_CRM_${TIER_FIELD_CODE}`;
export const SCORE_FIELD = `UF_CRM_${SCORE_FIELD_CODE}`;
export const PLACEMENTS = ['CRM_DEAL_DETAIL_TAB', 'CRM_COMPANY_DETAIL_TAB'] as const;
export const CRM_EVENTS = [
  'ONCRMCOMPANYADD', 'ONCRMCOMPANYUPDATE', 'ONCRMCOMPANYDELETE',
  'ONCRMCONTACTADD', 'ONCRMCONTACTUPDATE', 'ONCRMCONTACTDELETE',
  'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE',
  'ONAPPUPDATE', 'ONAPPUNINSTALL',
] as const;

/**
 * The input fields the default criteria and rules read (the mapper's DEFAULT_FIELD_MAP), created
 * on companies when the portal lacks them, so a new portal has somewhere to enter a potential.
 * Labels match the names the score reasons and tasks use ("fill in “Potential over 3 years”").
 */
export const INPUT_FIELDS: ReadonlyArray<{ code: string; type: 'double' | 'integer' | 'date'; ru: string; en: string }> = [
  { code: 'POTENTIAL_3Y', type: 'double', ...inEveryLanguage('crmField.potential3y') },
  { code: 'MARGIN', type: 'double', ...inEveryLanguage('crmField.margin') },
  { code: 'SATISFACTION', type: 'integer', ...inEveryLanguage('crmField.satisfaction') },
  { code: 'CONTRACT_END', type: 'date', ...inEveryLanguage('crmField.contractEnd') },
  { code: 'MARKETING_COST', type: 'double', ...inEveryLanguage('crmField.marketingCost') },
];

export interface TierLabel {
  id: string;
  ru: string;
  en: string;
}

function inputFieldCommands(missing: typeof INPUT_FIELDS, lang: 'ru' | 'en'): BatchCommand[] {
  return missing.map((field) => ({
    key: `input_${field.code}`,
    method: 'crm.company.userfield.add',
    params: {
      fields: {
        USER_TYPE_ID: field.type, FIELD_NAME: field.code, XML_ID: `KAM_${field.code}`, MULTIPLE: 'N', MANDATORY: 'N', SHOW_FILTER: 'Y', EDIT_IN_LIST: 'Y',
        LABEL: lang === 'ru' ? field.ru : field.en, EDIT_FORM_LABEL: label(field.ru, field.en), LIST_COLUMN_LABEL: label(field.ru, field.en),
      },
    },
  }));
}

export interface SetupResult extends TierFields {
  /** The same fields on contacts, when asked for. */
  contact: TierFields | null;
  /** The portal user our tokens act as (our own writes come back as this user's changes). */
  appUserId: string | null;
  /** The tier list the field now carries (tierListSignature), for isSetUp. */
  tierList: string;
  created: { fields: number; placements: number; events: number; tierItems: number };
}

export interface SetupOptions {
  client: Bitrix24Client;
  /** Our public base URL, e.g. https://kam.example.com */
  publicUrl: string;
  tiers: TierLabel[];
  lang: 'ru' | 'en';
  /** Also put the fields on contacts (contacts without a company evaluated as accounts). */
  contactFields?: boolean;
}

type Row = Record<string, unknown>;
type Entity = 'company' | 'contact';

/** A lang_map: language id -> text (https://apidocs.bitrix24.com/api-reference/crm/data-types.html, lang_map; crm-company-userfield-add.md). */
const label = (ru: string, en: string) => ({ ru, en });

function fieldCommands(entity: Entity, have: { tier: boolean; score: boolean }, options: SetupOptions): BatchCommand[] {
  const commands: BatchCommand[] = [];
  const common = { MULTIPLE: 'N', MANDATORY: 'N', SHOW_FILTER: 'Y', EDIT_IN_LIST: 'N' };
  if (!have.tier) {
    commands.push({
      key: `${entity}_tier`,
      method: `crm.${entity}.userfield.add`,
      params: {
        fields: {
          ...common, USER_TYPE_ID: 'enumeration', FIELD_NAME: TIER_FIELD_CODE, XML_ID: TIER_FIELD_CODE,
          LABEL: i18n(options.lang).t('crmField.tier'), EDIT_FORM_LABEL: inEveryLanguage('crmField.tier'), LIST_COLUMN_LABEL: inEveryLanguage('crmField.tier'),
          LIST: options.tiers.map((tier, index) => ({ VALUE: tierLabel(tier, options.lang), XML_ID: tier.id.toUpperCase(), SORT: (index + 1) * 100, DEF: 'N' })),
          SETTINGS: { DISPLAY: 'LIST' },
        },
      },
    });
  }
  if (!have.score) {
    commands.push({
      key: `${entity}_score`,
      method: `crm.${entity}.userfield.add`,
      params: {
        fields: {
          ...common, USER_TYPE_ID: 'double', FIELD_NAME: SCORE_FIELD_CODE, XML_ID: SCORE_FIELD_CODE,
          LABEL: i18n(options.lang).t('crmField.score'), EDIT_FORM_LABEL: inEveryLanguage('crmField.score'), LIST_COLUMN_LABEL: inEveryLanguage('crmField.score'),
          SETTINGS: { PRECISION: 2 },
        },
      },
    });
  }
  return commands;
}

/**
 * Brings an existing tier field's LIST in line with the configured tiers: a tier with no item
 * (matched by XML_ID = tier id) gets a new one, an item whose VALUE is not the tier's label in the
 * installation language is relabelled. crm.company.userfield.update takes LIST items with `ID` as
 * updates of that item (it keeps its ID, so the values companies hold stay valid) and items
 * without `ID` as new ones; only `DEL: 'Y'` deletes
 * (https://apidocs.bitrix24.com/api-reference/crm/companies/userfields/crm-company-userfield-update.html).
 * Every existing item is sent back by ID, so nothing is lost whichever way a portal treats the
 * items left out. Items of tiers no longer configured are kept, never deleted: deleting an item
 * blanks the field of every company still carrying it until the next write-back reaches it, and
 * the writer rewrites those companies to a configured tier in the same cycle anyway.
 */
function tierListCommand(entity: Entity, field: Row, options: SetupOptions): BatchCommand | null {
  const list = (field.LIST as Row[] | undefined) ?? [];
  const items: Row[] = list.map((row) => ({ ID: String(row.ID) }));
  let changes = 0;
  options.tiers.forEach((tier, index) => {
    const value = tierLabel(tier, options.lang);
    const at = list.findIndex((row) => String(row.XML_ID ?? '').toUpperCase() === tier.id.toUpperCase());
    if (at < 0) {
      items.push({ VALUE: value, XML_ID: tier.id.toUpperCase(), SORT: (index + 1) * 100, DEF: 'N' });
      changes += 1;
    } else if (String(list[at]?.VALUE ?? '') !== value) {
      items[at] = { ID: String(list[at]?.ID), VALUE: value };
      changes += 1;
    }
  });
  if (changes === 0) return null;
  return { key: `${entity}_tier_list`, method: `crm.${entity}.userfield.update`, params: { id: String(field.ID), fields: { LIST: items } } };
}

/** The value of an enumeration is its list item ID: map each tier to the item whose XML_ID is the tier id. */
function tierItemIds(field: Row | undefined, tiers: TierLabel[]): Record<string, string> {
  const list = (field?.LIST as Row[] | undefined) ?? [];
  const ids: Record<string, string> = {};
  for (const tier of tiers) {
    const item = list.find((row) => String(row.XML_ID ?? '').toUpperCase() === tier.id.toUpperCase());
    if (item) ids[tier.id] = String(item.ID);
  }
  return ids;
}

export async function setupBitrix24Portal(options: SetupOptions): Promise<SetupResult> {
  const { client, publicUrl } = options;
  const entities: Entity[] = options.contactFields ? ['company', 'contact'] : ['company'];
  const placementHandler = `${publicUrl}/bitrix24/placement`;
  const eventHandler = `${publicUrl}/bitrix24/events`;
  const read = await client.batch([
    ...entities.flatMap((entity) => [
      { key: `${entity}_tier`, method: `crm.${entity}.userfield.list`, params: { filter: { FIELD_NAME: TIER_FIELD } } },
      { key: `${entity}_score`, method: `crm.${entity}.userfield.list`, params: { filter: { FIELD_NAME: SCORE_FIELD } } },
    ]),
    ...INPUT_FIELDS.map((field) => ({ key: `input_${field.code}`, method: 'crm.company.userfield.list', params: { filter: { FIELD_NAME: `UF_CRM_${field.code}` } } })),
    { key: 'placements', method: 'placement.get', params: {} },
    { key: 'events', method: 'event.get', params: {} },
    { key: 'me', method: 'user.current', params: {} },
  ]);
  const failures = Object.entries(read.errors);
  if (failures.length > 0) {
    throw new KamError('CRM_REJECTED', `Bitrix24 setup could not read the portal: ${failures.map(([key, error]) => `${key}: ${error.error}`).join('; ')}`);
  }
  const rows = (key: string) => (read.results[key] as Row[] | undefined) ?? [];
  const writes: BatchCommand[] = entities.flatMap((entity) =>
    fieldCommands(entity, { tier: rows(`${entity}_tier`).length > 0, score: rows(`${entity}_score`).length > 0 }, options),
  );
  writes.push(...inputFieldCommands(INPUT_FIELDS.filter((field) => rows(`input_${field.code}`).length === 0), options.lang));
  const fieldsCreated = writes.length;
  const relisted = entities.filter((entity) => {
    const field = rows(`${entity}_tier`)[0];
    const command = field ? tierListCommand(entity, field, options) : null;
    if (command) writes.push(command);
    return command !== null;
  });
  let placementsCreated = 0;
  for (const placement of PLACEMENTS) {
    if (rows('placements').some((row) => row.placement === placement && row.handler === placementHandler)) continue;
    placementsCreated += 1;
    writes.push({
      key: `placement_${placement}`,
      method: 'placement.bind',
      params: {
        PLACEMENT: placement, HANDLER: placementHandler, TITLE: 'KAM Pilot',
        LANG_ALL: { ru: { TITLE: 'KAM Pilot', DESCRIPTION: i18n('ru').t('crm.tabDescription') }, en: { TITLE: 'KAM Pilot', DESCRIPTION: i18n('en').t('crm.tabDescription') } },
      },
    });
  }
  let eventsCreated = 0;
  for (const event of CRM_EVENTS) {
    if (rows('events').some((row) => String(row.event).toUpperCase() === event && row.handler === eventHandler)) continue;
    eventsCreated += 1;
    writes.push({ key: `event_${event}`, method: 'event.bind', params: { event, handler: eventHandler } });
  }
  if (writes.length > 0) {
    const outcome = await client.batch(writes);
    const failed = Object.entries(outcome.errors);
    if (failed.length > 0) {
      throw new KamError('CRM_REJECTED', `Bitrix24 setup failed: ${failed.map(([key, error]) => `${key}: ${error.error} ${error.error_description ?? ''}`.trim()).join('; ')}`);
    }
  }
  // A tier field created or relisted just now is read back for its list item IDs.
  const created = entities.filter((entity) => rows(`${entity}_tier`).length === 0 || relisted.includes(entity));
  const reread = created.length > 0
    ? await client.batch(created.map((entity) => ({ key: entity, method: `crm.${entity}.userfield.list`, params: { filter: { FIELD_NAME: TIER_FIELD } } })))
    : null;
  const tierFieldOf = (entity: Entity): TierFields => ({
    tierField: TIER_FIELD,
    scoreField: SCORE_FIELD,
    tierItemIds: tierItemIds((reread?.results[entity] as Row[] | undefined)?.[0] ?? rows(`${entity}_tier`)[0], options.tiers),
  });
  const me = read.results.me as Row | undefined;
  return {
    ...tierFieldOf('company'),
    contact: options.contactFields ? tierFieldOf('contact') : null,
    appUserId: me?.ID === undefined ? null : String(me.ID),
    tierList: tierListSignature(options),
    created: { fields: fieldsCreated, placements: placementsCreated, events: eventsCreated, tierItems: relisted.length },
  };
}
