import { KamError } from '../../core/errors';
import type { BatchCommand, Bitrix24Client } from './bitrix24-client';

/**
 * Idempotent portal setup: company fields for tier and score, the deal and company card tabs,
 * and the CRM event subscriptions. It reads what exists first (one request) and writes only
 * what is missing (one more at most), so running it twice changes nothing. Bitrix24 drops
 * bindings on update, so it runs again on ONAPPUPDATE (https://apidocs.bitrix24.com/api-reference/events/event-bind.html).
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

export interface TierLabel {
  id: string;
  ru: string;
  en: string;
}

export interface SetupResult {
  tierField: string;
  scoreField: string;
  /** Tier id -> list item ID of the enumeration. */
  tierItemIds: Record<string, string>;
  /** The portal user our tokens act as (our own writes come back as this user's changes). */
  appUserId: string | null;
  created: { fields: number; placements: number; events: number };
}

export interface SetupOptions {
  client: Bitrix24Client;
  /** Our public base URL, e.g. https://kam.example.com */
  publicUrl: string;
  tiers: TierLabel[];
  lang: 'ru' | 'en';
}

type Row = Record<string, unknown>;

export async function setupBitrix24Portal(options: SetupOptions): Promise<SetupResult> {
  const { client, publicUrl, tiers } = options;
  const placementHandler = `${publicUrl}/bitrix24/placement`;
  const eventHandler = `${publicUrl}/bitrix24/events`;
  const read = await client.batch([
    { key: 'fields', method: 'crm.company.userfield.list', params: { filter: { FIELD_NAME: TIER_FIELD } } },
    { key: 'score', method: 'crm.company.userfield.list', params: { filter: { FIELD_NAME: SCORE_FIELD } } },
    { key: 'placements', method: 'placement.get', params: {} },
    { key: 'events', method: 'event.get', params: {} },
    { key: 'me', method: 'user.current', params: {} },
  ]);
  const failures = Object.entries(read.errors);
  if (failures.length > 0) {
    throw new KamError('CRM_REJECTED', `Bitrix24 setup could not read the portal: ${failures.map(([key, error]) => `${key}: ${error.error}`).join('; ')}`);
  }
  const tierRows = (read.results.fields as Row[] | undefined) ?? [];
  const scoreRows = (read.results.score as Row[] | undefined) ?? [];
  const placements = (read.results.placements as Row[] | undefined) ?? [];
  const events = (read.results.events as Row[] | undefined) ?? [];

  const writes: BatchCommand[] = [];
  const label = (ru: string, en: string) => ({ ru: { LABEL: ru }, en: { LABEL: en } });
  if (tierRows.length === 0) {
    writes.push({
      key: 'tierField',
      method: 'crm.company.userfield.add',
      params: {
        fields: {
          USER_TYPE_ID: 'enumeration', FIELD_NAME: TIER_FIELD_CODE, XML_ID: TIER_FIELD_CODE, MULTIPLE: 'N', MANDATORY: 'N', SHOW_FILTER: 'Y',
          EDIT_IN_LIST: 'N', LABEL: options.lang === 'ru' ? 'KAM: уровень' : 'KAM: tier', EDIT_FORM_LABEL: label('KAM: уровень', 'KAM: tier'), LIST_COLUMN_LABEL: label('KAM: уровень', 'KAM: tier'),
          LIST: tiers.map((tier, index) => ({ VALUE: options.lang === 'ru' ? tier.ru : tier.en, XML_ID: tier.id.toUpperCase(), SORT: (index + 1) * 100, DEF: 'N' })),
          SETTINGS: { DISPLAY: 'LIST' },
        },
      },
    });
  }
  if (scoreRows.length === 0) {
    writes.push({
      key: 'scoreField',
      method: 'crm.company.userfield.add',
      params: {
        fields: {
          USER_TYPE_ID: 'double', FIELD_NAME: SCORE_FIELD_CODE, XML_ID: SCORE_FIELD_CODE, MULTIPLE: 'N', MANDATORY: 'N', SHOW_FILTER: 'Y', EDIT_IN_LIST: 'N',
          LABEL: options.lang === 'ru' ? 'KAM: балл' : 'KAM: score', EDIT_FORM_LABEL: label('KAM: балл', 'KAM: score'), LIST_COLUMN_LABEL: label('KAM: балл', 'KAM: score'),
          SETTINGS: { PRECISION: 2 },
        },
      },
    });
  }
  let placementsCreated = 0;
  for (const placement of PLACEMENTS) {
    const bound = placements.some((row) => row.placement === placement && row.handler === placementHandler);
    if (bound) continue;
    placementsCreated += 1;
    writes.push({
      key: `placement_${placement}`,
      method: 'placement.bind',
      params: {
        PLACEMENT: placement, HANDLER: placementHandler, TITLE: 'KAM Pilot',
        LANG_ALL: { ru: { TITLE: 'KAM Pilot', DESCRIPTION: 'Ключевой клиент: уровень, балл, KPI, следующие шаги' }, en: { TITLE: 'KAM Pilot', DESCRIPTION: 'Key account: tier, score, KPIs, next steps' } },
      },
    });
  }
  let eventsCreated = 0;
  for (const event of CRM_EVENTS) {
    const bound = events.some((row) => String(row.event).toUpperCase() === event && row.handler === eventHandler);
    if (bound) continue;
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
  // Read the tier field back for its list item IDs (the value of an enumeration is the item ID).
  const tierField = tierRows[0] ?? ((await client.call<Row[]>('crm.company.userfield.list', { filter: { FIELD_NAME: TIER_FIELD } })).result[0] ?? {});
  const list = (tierField.LIST as Row[] | undefined) ?? [];
  const tierItemIds: Record<string, string> = {};
  for (const tier of tiers) {
    const item = list.find((row) => String(row.XML_ID ?? '').toUpperCase() === tier.id.toUpperCase());
    if (item) tierItemIds[tier.id] = String(item.ID);
  }
  const me = read.results.me as Row | undefined;
  return {
    tierField: TIER_FIELD,
    scoreField: SCORE_FIELD,
    tierItemIds,
    appUserId: me?.ID === undefined ? null : String(me.ID),
    created: { fields: (tierRows.length === 0 ? 1 : 0) + (scoreRows.length === 0 ? 1 : 0), placements: placementsCreated, events: eventsCreated },
  };
}
