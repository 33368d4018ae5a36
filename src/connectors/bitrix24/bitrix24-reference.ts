import { KamError } from '../../core/errors';
import type { DealStatus } from '../../core/model/synced';
import type { CrmFieldInfo } from '../../core/ports/crm-connector.port';
import type { Bitrix24Client } from './bitrix24-client';
import { BATCH_LIMIT } from './bitrix24-client';
import { PAGE_SIZE } from './id-window-walker';

/**
 * Reference data for one portal, read in one request (plus one per 2,500 users): deal pipelines
 * with their stages and stage semantics, users (owners), and currency rates.
 * Sources: https://apidocs.bitrix24.com/api-reference/crm/universal/category/crm-category-list.html,
 * https://apidocs.bitrix24.com/tutorials/crm/how-to-get-lists/how-to-get-stages-with-semantics.html,
 * https://apidocs.bitrix24.com/api-reference/crm/currency/crm-currency-list.html, user.get.
 * Company fields come from crm.company.fields in the same batch: it lists the standard fields and
 * the admin's UF_CRM_* ones together, custom ones named by formLabel/listLabel in the portal's
 * language and enumerations with their `items`
 * (https://apidocs.bitrix24.com/api-reference/crm/companies/crm-company-fields.html).
 */
export interface Pipeline {
  id: string;
  name: string;
  stages: Array<{ id: string; name: string; status: DealStatus }>;
}

export interface PortalUser {
  id: string;
  name: string;
  active: boolean;
}

export interface ReferenceData {
  pipelines: Pipeline[];
  users: PortalUser[];
  baseCurrency: string;
  /** Units of the base currency for one unit of each currency, today. */
  rates: Array<{ currency: string; rate: number }>;
  /** Company fields the field map may point at (read-only ones left out: nobody maps onto them). */
  fields: CrmFieldInfo[];
}

type Row = Record<string, unknown>;

/** A half-read is worse than none (it would replace good reference data): any refused command fails the read. */
function assertComplete(errors: Record<string, { error: string }>): void {
  const refused = Object.entries(errors);
  if (refused.length > 0) {
    throw new KamError('CRM_UNAVAILABLE', `Bitrix24 reference read incomplete: ${refused.map(([key, error]) => `${key}: ${error.error}`).join('; ')}`);
  }
}

const semanticsOf = (row: Row): DealStatus => {
  const extra = (row.EXTRA as Row | undefined)?.SEMANTICS;
  if (row.SEMANTICS === 'S' || extra === 'success') return 'won';
  if (row.SEMANTICS === 'F' || extra === 'failure') return 'lost';
  return 'open';
};

const userOf = (row: Row): PortalUser => ({
  id: String(row.ID),
  name: [row.NAME, row.LAST_NAME].filter((part) => typeof part === 'string' && part !== '').join(' ') || String(row.EMAIL ?? `#${String(row.ID)}`),
  active: row.ACTIVE !== false && row.ACTIVE !== 'N',
});

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** crm.company.fields' map (code -> description) as the port's field list. */
export function companyFieldsOf(described: unknown): CrmFieldInfo[] {
  const fields: CrmFieldInfo[] = [];
  for (const [code, raw] of Object.entries((described ?? {}) as Record<string, Row>)) {
    if (raw.isReadOnly === true) continue;
    const items = Array.isArray(raw.items) ? (raw.items as Row[]) : [];
    fields.push({
      kind: 'company',
      code,
      // For UF_CRM_* fields `title` is the code itself; the labels carry the admin's name.
      name: text(raw.formLabel) ?? text(raw.listLabel) ?? text(raw.title) ?? code,
      type: String(raw.type ?? ''),
      ...(items.length > 0 ? { options: items.map((item) => ({ id: String(item.ID), value: String(item.VALUE ?? '') })) } : {}),
    });
  }
  return fields;
}

export async function readReferenceData(client: Bitrix24Client): Promise<ReferenceData> {
  const first = await client.batch([
    { key: 'categories', method: 'crm.category.list', params: { entityTypeId: 2 } },
    { key: 'statuses', method: 'crm.status.list', params: { order: { SORT: 'ASC' } } },
    { key: 'currencies', method: 'crm.currency.list', params: {} },
    { key: 'users', method: 'user.get', params: { start: 0 } },
    { key: 'companyFields', method: 'crm.company.fields', params: {} },
  ]);
  assertComplete(first.errors);
  const categories = ((first.results.categories as Row | undefined)?.categories as Row[] | undefined) ?? [];
  const statuses = (first.results.statuses as Row[] | undefined) ?? [];
  const pipelines: Pipeline[] = (categories.length > 0 ? categories : [{ id: 0, name: 'Default' }]).map((category) => {
    const id = String(category.id ?? category.ID);
    const entity = id === '0' ? 'DEAL_STAGE' : `DEAL_STAGE_${id}`;
    return {
      id,
      name: String(category.name ?? category.NAME ?? id),
      stages: statuses.filter((row) => row.ENTITY_ID === entity).map((row) => ({ id: String(row.STATUS_ID), name: String(row.NAME ?? row.STATUS_ID), status: semanticsOf(row) })),
    };
  });
  const users = ((first.results.users as Row[] | undefined) ?? []).map(userOf);
  const totalUsers = first.totals.users ?? users.length;
  const pages: number[] = [];
  for (let start = PAGE_SIZE; start < totalUsers; start += PAGE_SIZE) pages.push(start);
  for (let i = 0; i < pages.length; i += BATCH_LIMIT) {
    const chunk = pages.slice(i, i + BATCH_LIMIT);
    const more = await client.batch(chunk.map((start) => ({ key: `u${start}`, method: 'user.get', params: { start } })));
    assertComplete(more.errors);
    for (const start of chunk) users.push(...((more.results[`u${start}`] as Row[] | undefined) ?? []).map(userOf));
  }
  const currencies = (first.results.currencies as Row[] | undefined) ?? [];
  const base = currencies.find((row) => row.BASE === 'Y');
  if (!base) throw new KamError('CRM_REJECTED', 'Bitrix24 crm.currency.list names no base currency');
  return {
    pipelines,
    users,
    baseCurrency: String(base.CURRENCY),
    rates: currencies.map((row) => ({ currency: String(row.CURRENCY), rate: Number(row.AMOUNT) / (Number(row.AMOUNT_CNT) || 1) })),
    fields: companyFieldsOf(first.results.companyFields),
  };
}
