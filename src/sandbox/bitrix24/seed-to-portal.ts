import type { SeedPortfolio, SeedStage } from '../portfolio/types';
import { DEFAULT_BEHAVIOUR } from './behaviour';
import { INDUSTRIES } from '../portfolio/catalog';
import type { EntityKind } from './entity-schema';
import type { EntityTable, PortalApp, PortalState, Row, StatusEntry, UserField } from './portal-state';
import { portalDay } from './bitrix-time';

/**
 * Maps the CRM-neutral seed onto Bitrix24 rows: pipeline 0 stages keep their bare codes
 * (NEW, WON, LOSE), pipeline N stages get the `C{N}:` prefix, STAGE_SEMANTIC_ID is P/S/F and
 * the KAM criteria live in company user fields UF_CRM_* declared in crm.company.userfield.list
 * (docs:tutorials/crm/how-to-get-lists/how-to-get-stages-with-semantics).
 */
export function stageId(pipelineId: number, code: string): string {
  return pipelineId === 0 ? code : `C${pipelineId}:${code}`;
}

export function stageEntityId(pipelineId: number): string {
  return pipelineId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${pipelineId}`;
}

const SEMANTIC_ID = { process: 'P', success: 'S', failure: 'F' } as const;

export const COMPANY_UF: ReadonlyArray<{ name: string; type: string; label: string }> = [
  { name: 'UF_CRM_POTENTIAL_3Y', type: 'double', label: 'Потенциал на 3 года, RUB' },
  { name: 'UF_CRM_MARGIN', type: 'double', label: 'Маржинальность, %' },
  { name: 'UF_CRM_SATISFACTION', type: 'integer', label: 'Удовлетворённость (1-10)' },
  { name: 'UF_CRM_CONTRACT_END', type: 'date', label: 'Окончание договора' },
  { name: 'UF_CRM_MARKETING_COST', type: 'double', label: 'Затраты на маркетинг, RUB' },
];

const ms = (iso: string): number => Date.parse(iso);

function emptyTable(kind: EntityKind): EntityTable {
  return { kind, rows: new Map(), ids: [], nextId: 1 };
}

function fill(table: EntityTable, rows: Row[]): void {
  for (const row of rows) {
    const id = row.ID as number;
    table.rows.set(id, row);
    table.ids.push(id);
    table.nextId = Math.max(table.nextId, id + 1);
  }
  table.ids.sort((a, b) => a - b);
}

/**
 * `freshPortal`: a new customer's portal, as the app first meets it: none of the input user
 * fields (potential, margin, ...) and no values for them; setup has to create the fields.
 */
export function buildPortalState(portfolio: SeedPortfolio, app: PortalApp, options: { freshPortal?: boolean } = {}): PortalState {
  const stageSemantics = new Map<string, SeedStage['semantics']>();
  for (const pipeline of portfolio.pipelines) {
    for (const stage of pipeline.stages) stageSemantics.set(stageId(pipeline.id, stage.code), stage.semantics);
  }
  const lastActivity = new Map<number, number>();
  const deals: Row[] = portfolio.deals.map((deal) => {
    const created = ms(deal.createdAt);
    const modified = ms(deal.modifiedAt);
    const closed = deal.closedAt === null ? null : ms(deal.closedAt);
    const semantics = deal.status === 'won' ? 'success' : deal.status === 'lost' ? 'failure' : 'process';
    if (deal.companyId !== null) lastActivity.set(deal.companyId, Math.max(lastActivity.get(deal.companyId) ?? 0, modified));
    const firstStage = portfolio.pipelines.find((p) => p.id === deal.pipelineId)?.stages[0]?.code;
    return {
      ID: deal.id, TITLE: deal.title, TYPE_ID: 'SALE', CATEGORY_ID: deal.pipelineId,
      STAGE_ID: stageId(deal.pipelineId, deal.stageCode), STAGE_SEMANTIC_ID: SEMANTIC_ID[semantics],
      IS_NEW: deal.stageCode === firstStage ? 'Y' : 'N', IS_RECURRING: 'N', IS_RETURN_CUSTOMER: 'N',
      PROBABILITY: null, CURRENCY_ID: deal.currency, OPPORTUNITY: deal.amount, IS_MANUAL_OPPORTUNITY: 'Y',
      TAX_VALUE: 0, COMPANY_ID: deal.companyId, CONTACT_ID: deal.contactId,
      BEGINDATE: portalDay(deal.createdAt.slice(0, 10)),
      // Open deals carry the planned close date a manager typed in: a month after the start.
      CLOSEDATE: portalDay((deal.closedAt ?? new Date(created + 30 * 86_400_000).toISOString()).slice(0, 10)),
      CLOSED: deal.status === 'open' ? 'N' : 'Y', SOURCE_ID: 'CALL',
      MOVED_BY_ID: deal.ownerId, MOVED_TIME: closed ?? created,
      ASSIGNED_BY_ID: deal.ownerId, CREATED_BY_ID: deal.ownerId, MODIFY_BY_ID: deal.ownerId,
      DATE_CREATE: created, DATE_MODIFY: modified, OPENED: 'Y', COMMENTS: '',
      LAST_ACTIVITY_TIME: modified, LAST_ACTIVITY_BY: deal.ownerId, ORIGINATOR_ID: null, ORIGIN_ID: null,
    };
  });
  const inputValues = (company: SeedPortfolio['companies'][number]): Row =>
    options.freshPortal
      ? {}
      : {
          UF_CRM_POTENTIAL_3Y: company.potential3y, UF_CRM_MARGIN: company.margin,
          UF_CRM_SATISFACTION: company.satisfaction,
          UF_CRM_CONTRACT_END: company.contractEnd === null ? null : portalDay(company.contractEnd),
          UF_CRM_MARKETING_COST: company.marketingCost,
        };
  const companies: Row[] = portfolio.companies.map((company) => ({
    ID: company.id, TITLE: company.title, COMPANY_TYPE: 'CUSTOMER', INDUSTRY: company.industry,
    EMPLOYEES: 'EMPLOYEES_2', REVENUE: company.revenue ?? 0, CURRENCY_ID: 'RUB', IS_MY_COMPANY: 'N',
    ASSIGNED_BY_ID: company.ownerId, CREATED_BY_ID: company.ownerId, MODIFY_BY_ID: company.ownerId,
    DATE_CREATE: ms(company.createdAt), DATE_MODIFY: ms(company.modifiedAt), OPENED: 'Y', COMMENTS: '',
    LAST_ACTIVITY_TIME: Math.max(lastActivity.get(company.id) ?? 0, ms(company.modifiedAt)),
    LAST_ACTIVITY_BY: company.ownerId, ORIGINATOR_ID: null, ORIGIN_ID: null,
    ...inputValues(company),
  }));
  const contacts: Row[] = portfolio.contacts.map((contact) => ({
    ID: contact.id, HONORIFIC: null, NAME: contact.firstName, SECOND_NAME: null, LAST_NAME: contact.lastName,
    POST: contact.post, TYPE_ID: 'CLIENT', SOURCE_ID: 'CALL', COMPANY_ID: contact.companyId, EXPORT: 'Y',
    HAS_PHONE: 'Y', HAS_EMAIL: 'Y',
    PHONE: [{ ID: String(contact.id * 2 - 1), VALUE_TYPE: 'WORK', VALUE: contact.phone, TYPE_ID: 'PHONE' }],
    EMAIL: [{ ID: String(contact.id * 2), VALUE_TYPE: 'WORK', VALUE: contact.email, TYPE_ID: 'EMAIL' }],
    ASSIGNED_BY_ID: contact.ownerId, CREATED_BY_ID: contact.ownerId, MODIFY_BY_ID: contact.ownerId,
    DATE_CREATE: ms(contact.createdAt), DATE_MODIFY: ms(contact.modifiedAt), OPENED: 'Y', COMMENTS: '',
    LAST_ACTIVITY_TIME: ms(contact.modifiedAt), LAST_ACTIVITY_BY: contact.ownerId, ORIGINATOR_ID: null, ORIGIN_ID: null,
  }));

  const tables = { deal: emptyTable('deal'), company: emptyTable('company'), contact: emptyTable('contact') };
  fill(tables.deal, deals);
  fill(tables.company, companies);
  fill(tables.contact, contacts);

  const userFields: UserField[] = (options.freshPortal ? [] : COMPANY_UF).map((uf, index) => ({
    ID: String(101 + index), ENTITY_ID: 'CRM_COMPANY', FIELD_NAME: uf.name, USER_TYPE_ID: uf.type, XML_ID: null,
    SORT: String(100 + index * 10), MULTIPLE: 'N', MANDATORY: 'N', SHOW_FILTER: 'E', SHOW_IN_LIST: 'Y',
    EDIT_IN_LIST: 'Y', IS_SEARCHABLE: 'N', SETTINGS: {}, EDIT_FORM_LABEL: uf.label, LIST_COLUMN_LABEL: uf.label,
    LIST_FILTER_LABEL: uf.label, ERROR_MESSAGE: null, HELP_MESSAGE: null,
  }));

  return {
    portfolio, tables, userFields, nextUserFieldId: 101 + userFields.length, nextEnumId: 1,
    statuses: buildStatuses(portfolio), users: portfolio.users, comments: [], activities: [], tasks: [],
    eventBindings: [], nextEventBindingId: 1, placements: [], appOptions: {}, app, warnings: [], behaviour: { ...DEFAULT_BEHAVIOUR },
  };
}

function buildStatuses(portfolio: SeedPortfolio): StatusEntry[] {
  const entries: StatusEntry[] = [];
  const push = (entry: Omit<StatusEntry, 'ID' | 'NAME_INIT' | 'SYSTEM' | 'COLOR' | 'SEMANTICS' | 'CATEGORY_ID'> & Partial<StatusEntry>): void => {
    entries.push({
      ID: String(entries.length + 1), NAME_INIT: entry.NAME, SYSTEM: 'N', COLOR: null, SEMANTICS: null, CATEGORY_ID: null, ...entry,
    });
  };
  const colors = { process: '#39A8EF', success: '#7BD500', failure: '#FF5752' } as const;
  for (const pipeline of portfolio.pipelines) {
    for (const stage of pipeline.stages) {
      push({
        ENTITY_ID: stageEntityId(pipeline.id), STATUS_ID: stageId(pipeline.id, stage.code), NAME: stage.name,
        SORT: String(stage.sort), SYSTEM: stage.semantics === 'process' && stage.sort > 10 ? 'N' : 'Y',
        CATEGORY_ID: pipeline.id === 0 ? null : String(pipeline.id), COLOR: colors[stage.semantics],
        SEMANTICS: stage.semantics === 'success' ? 'S' : stage.semantics === 'failure' ? 'F' : null,
        EXTRA: { SEMANTICS: stage.semantics, COLOR: colors[stage.semantics] },
      });
    }
  }
  INDUSTRIES.forEach((industry, index) => push({ ENTITY_ID: 'INDUSTRY', STATUS_ID: industry.code, NAME: industry.name, SORT: String((index + 1) * 10), SYSTEM: 'Y' }));
  const simple: Record<string, Array<[string, string]>> = {
    DEAL_TYPE: [['SALE', 'Продажа'], ['COMPLEX', 'Комплексная продажа'], ['GOODS', 'Продажа товара'], ['SERVICES', 'Продажа услуги'], ['SERVICE', 'Сервисное обслуживание']],
    COMPANY_TYPE: [['CUSTOMER', 'Клиент'], ['SUPPLIER', 'Поставщик'], ['COMPETITOR', 'Конкурент'], ['PARTNER', 'Партнёр'], ['OTHER', 'Другое']],
    CONTACT_TYPE: [['CLIENT', 'Клиенты'], ['SUPPLIER', 'Поставщики'], ['PARTNER', 'Партнёры'], ['OTHER', 'Другое']],
    SOURCE: [['CALL', 'Звонок'], ['EMAIL', 'Электронная почта'], ['WEB', 'Веб-сайт'], ['ADVERTISING', 'Реклама'], ['PARTNER', 'Существующий клиент'], ['OTHER', 'Другое']],
    EMPLOYEES: [['EMPLOYEES_1', 'менее 50'], ['EMPLOYEES_2', '50-250'], ['EMPLOYEES_3', '250-500'], ['EMPLOYEES_4', 'более 500']],
  };
  for (const [entityId, values] of Object.entries(simple)) {
    values.forEach(([code, name], index) => push({ ENTITY_ID: entityId, STATUS_ID: code, NAME: name, SORT: String((index + 1) * 10), SYSTEM: 'Y' }));
  }
  return entries;
}
