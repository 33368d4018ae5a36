import type { EntityKind } from '../../core/model/synced';
import type { CrmFieldInfo, CrmReferenceData } from '../../core/ports/crm-connector.port';
import type { AmoClient } from './amocrm-client';
import { accountInfo } from './amocrm-oauth';
import { LOST_STATUS_ID, WON_STATUS_ID } from './amocrm-mapper';

/**
 * Reference data (https://www.amocrm.ru/developers/content/crm_platform/leads_pipelines,
 * /account-info, /users-api, /custom-fields): the account currency (amo keeps one and has no
 * FX API, so `rates` is empty), pipelines with their statuses (142 won, 143 lost in every
 * pipeline), users with `rights.is_admin`, and the custom fields of companies for the settings
 * page's field picker. Four requests, at most once a day.
 */
type Row = Record<string, unknown>;

/** The criteria inputs live on companies: their fields are what the field map may point at. */
const FIELD_KINDS: Array<{ kind: EntityKind; entity: string }> = [{ kind: 'company', entity: 'companies' }];

async function allPages(client: AmoClient, path: string, key: string, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  let body = await client.get<Row>(path, { limit });
  for (;;) {
    const list = (body?._embedded as Row | undefined)?.[key];
    if (Array.isArray(list)) rows.push(...(list as Row[]));
    const next = ((body?._links as Row | undefined)?.next as Row | undefined)?.href;
    if (!Array.isArray(list) || list.length === 0 || typeof next !== 'string') return rows;
    body = await client.follow<Row>(next);
  }
}

/** The port's reference data, plus what amo adds: admins, the account zone, the field picker's list. */
/** Every user id of the account (GET /api/v4/users, 250 a page). */
export async function readUserIds(client: AmoClient): Promise<string[]> {
  return (await allPages(client, '/api/v4/users', 'users', 250)).map((user) => String(user.id));
}

export interface AmoReference extends CrmReferenceData {
  users: Array<{ id: string; name: string; active: boolean; isAdmin: boolean }>;
  timezone: string | null;
  currentUserId: string | null;
  fields: CrmFieldInfo[];
}

export async function readAmoReference(client: AmoClient): Promise<AmoReference> {
  const account = accountInfo(await client.get<Row>('/api/v4/account', { with: 'datetime_settings' }));
  const pipelines = await allPages(client, '/api/v4/leads/pipelines', 'pipelines', 250);
  const users = await allPages(client, '/api/v4/users', 'users', 250);
  const fields: AmoReference['fields'] = [];
  for (const { kind, entity } of FIELD_KINDS) {
    for (const field of await allPages(client, `/api/v4/${entity}/custom_fields`, 'custom_fields', 50)) {
      const enums = Array.isArray(field.enums) ? (field.enums as Row[]) : [];
      fields.push({
        kind,
        // The field map stores the code when the field has one, else its id.
        code: typeof field.code === 'string' && field.code !== '' ? field.code : String(field.id),
        name: String(field.name ?? ''),
        type: String(field.type ?? ''),
        ...(enums.length > 0 ? { options: enums.map((item) => ({ id: String(item.id), value: String(item.value ?? '') })) } : {}),
      });
    }
  }
  return {
    baseCurrency: account.currency,
    rates: [],
    timezone: account.timezone,
    currentUserId: account.currentUserId,
    pipelines: pipelines.map((pipeline) => {
      const statuses = ((pipeline._embedded as Row | undefined)?.statuses as Row[] | undefined) ?? [];
      return {
        id: String(pipeline.id),
        name: String(pipeline.name ?? ''),
        stages: statuses.map((status) => {
          const statusId = Number(status.id);
          return { id: String(status.id), name: String(status.name ?? ''), status: statusId === WON_STATUS_ID ? 'won' as const : statusId === LOST_STATUS_ID ? 'lost' as const : 'open' as const };
        }),
      };
    }),
    users: users.map((user) => {
      const rights = (user.rights ?? {}) as Row;
      return { id: String(user.id), name: String(user.name ?? ''), isAdmin: rights.is_admin === true, active: rights.is_active !== false };
    }),
    fields,
  };
}
