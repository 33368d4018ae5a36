import { createHash } from 'node:crypto';
import { INDUSTRIES } from '../portfolio/catalog';
import type { SeedCurrency, SeedDeal, SeedPipeline, SeedPortfolio } from '../portfolio/types';
import type {
  CompanyRecord, ContactRecord, EntityType, FieldRecord, FieldValue, LeadRecord, PipelineRecord,
  StatusRecord, UserRecord,
} from './amo-records';
import type { AmoStoreInit } from './amo-store';
import { buildFieldCatalog, COMPANY_FIELD_CODES } from './field-catalog';

/** amo's system statuses, present in every pipeline (reference §3.2; LeadModel::WON_STATUS_ID). */
export const WON_STATUS_ID = 142;
export const LOST_STATUS_ID = 143;

/** Moscow has been UTC+3 all year since 2014; the sandbox account lives there. */
export const ACCOUNT_TIMEZONE = 'Europe/Moscow';
const ACCOUNT_UTC_OFFSET_SECONDS = 3 * 3600;

const toUnix = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/**
 * A `date` custom field holds the start of that day in the account's time zone as unix
 * seconds, so "2026-03-31" on a Moscow account is 2026-03-30T21:00:00Z. Clients that format
 * it in UTC get the day before: the sandbox reproduces that trap on purpose.
 */
export function dateToAccountUnix(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) - ACCOUNT_UTC_OFFSET_SECONDS;
}

/** Stable pseudo-UUID from a string, so the same seed gives the same ids everywhere. */
export function stableUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const pipelineAmoId = (seedPipelineId: number): number => 1000 + seedPipelineId;

const STATUS_COLORS = ['#99ccff', '#ffff99', '#ffcc66', '#ffcccc', '#87f2c0', '#deff81', '#d6eaff', '#ccc8f9'];

function mapPipeline(seed: SeedPipeline, index: number): { pipeline: PipelineRecord; byStage: Map<string, number> } {
  const id = pipelineAmoId(seed.id);
  const base = 40000 + seed.id * 100;
  const byStage = new Map<string, number>();
  const statuses: StatusRecord[] = [
    { id: base, name: 'Неразобранное', sort: 10, is_editable: false, pipeline_id: id, color: '#c1c1c1', type: 1 },
  ];
  const process = seed.stages.filter((stage) => stage.semantics === 'process').sort((a, b) => a.sort - b.sort);
  process.forEach((stage, i) => {
    const statusId = base + 1 + i;
    byStage.set(stage.code, statusId);
    statuses.push({
      id: statusId, name: stage.name, sort: 20 + i * 10, is_editable: true, pipeline_id: id,
      color: STATUS_COLORS[i % STATUS_COLORS.length] ?? '#99ccff', type: 0,
    });
  });
  for (const stage of seed.stages) {
    if (stage.semantics === 'success') byStage.set(stage.code, WON_STATUS_ID);
    if (stage.semantics === 'failure') byStage.set(stage.code, LOST_STATUS_ID);
  }
  statuses.push(
    { id: WON_STATUS_ID, name: 'Успешно реализовано', sort: 10000, is_editable: false, pipeline_id: id, color: '#CCFF66', type: 0 },
    { id: LOST_STATUS_ID, name: 'Закрыто и не реализовано', sort: 11000, is_editable: false, pipeline_id: id, color: '#D5D8DB', type: 0 },
  );
  const pipeline: PipelineRecord = {
    id, name: seed.name, sort: (index + 1) * 10, is_main: index === 0, is_unsorted_on: true, is_archive: false, statuses,
  };
  return { pipeline, byStage };
}

/** RUB per unit of `currency` on `day`: the latest seed rate on or before it, else the earliest. */
function createFx(portfolio: SeedPortfolio): (currency: SeedCurrency, iso: string) => number {
  const byCurrency = new Map<SeedCurrency, Array<{ date: string; rate: number }>>();
  for (const rate of portfolio.fxRates) {
    const list = byCurrency.get(rate.currency) ?? [];
    list.push({ date: rate.date, rate: rate.rate });
    byCurrency.set(rate.currency, list);
  }
  for (const list of byCurrency.values()) list.sort((a, b) => a.date.localeCompare(b.date));
  return (currency, iso) => {
    if (currency === 'RUB') return 1;
    const list = byCurrency.get(currency) ?? [];
    const day = iso.slice(0, 10);
    let found = list[0]?.rate;
    for (const entry of list) {
      if (entry.date > day) break;
      found = entry.rate;
    }
    if (found === undefined) throw new Error(`seed portfolio has no ${currency} rate`);
    return found;
  };
}

function mapLead(deal: SeedDeal, pipelines: Map<number, Map<string, number>>, fx: ReturnType<typeof createFx>): LeadRecord {
  const byStage = pipelines.get(deal.pipelineId);
  if (!byStage) throw new Error(`deal ${deal.id} is in unknown pipeline ${deal.pipelineId}`);
  const firstProcess = [...byStage.values()].find((id) => id !== WON_STATUS_ID && id !== LOST_STATUS_ID) ?? WON_STATUS_ID;
  const status = deal.status === 'won' ? WON_STATUS_ID : deal.status === 'lost' ? LOST_STATUS_ID : byStage.get(deal.stageCode) ?? firstProcess;
  // amo keeps one account currency: seed amounts in USD/EUR are converted at the close date
  // (or the creation date for open deals), the moment a manager would have typed the price.
  const price = Math.round(deal.amount * fx(deal.currency, deal.closedAt ?? deal.createdAt));
  return {
    id: deal.id, name: deal.title, price, pipeline_id: pipelineAmoId(deal.pipelineId), status_id: status,
    responsible_user_id: deal.ownerId, created_by: deal.ownerId, updated_by: deal.ownerId,
    created_at: toUnix(deal.createdAt), updated_at: toUnix(deal.modifiedAt),
    closed_at: deal.closedAt === null || deal.status === 'open' ? null : toUnix(deal.closedAt),
    loss_reason_id: null, companyId: deal.companyId, contactIds: deal.contactId === null ? [] : [deal.contactId],
    tagIds: [], fields: new Map(),
  };
}

const numeric = (value: number): FieldValue[] => [{ value: String(value) }];

/** The loss reasons an account's admin typically sets up; lost seeded leads get one each. */
const LOSS_REASON_NAMES = ['Дорого', 'Выбрали конкурента', 'Нет бюджета', 'Не вышли на ЛПР'];
const FIRST_LOSS_REASON_ID = 9001;

/** Turns the CRM-neutral seed into the sandbox account. Pure: same portfolio, same store. */
export function mapPortfolio(portfolio: SeedPortfolio, account: { subdomain: string; fresh?: boolean }): AmoStoreInit {
  const industries = [...INDUSTRIES.map((item) => ({ code: item.code, name: item.name }))];
  for (const company of portfolio.companies) {
    if (!industries.some((item) => item.code === company.industry)) industries.push({ code: company.industry, name: company.industry });
  }
  const fields = buildFieldCatalog(industries, account.fresh === true);
  // Absent on a fresh account: then the company simply has no value for it.
  const companyField = (code: string): FieldRecord | undefined => fields.companies.find((item) => item.code === code);
  const contactField = (code: string): FieldRecord => {
    const field = fields.contacts.find((item) => item.code === code);
    if (!field) throw new Error(`field catalog lacks ${code}`);
    return field;
  };
  const users: UserRecord[] = portfolio.users.map((user, index) => ({
    id: user.id, name: `${user.firstName} ${user.lastName}`, email: user.email, isAdmin: index === 0, isActive: user.active,
  }));
  const mapped = portfolio.pipelines.map(mapPipeline);
  const statusMaps = new Map(portfolio.pipelines.map((pipeline, i) => [pipeline.id, mapped[i]?.byStage ?? new Map<string, number>()]));
  const fx = createFx(portfolio);

  const industryField = companyField(COMPANY_FIELD_CODES.industry);
  const companies: CompanyRecord[] = portfolio.companies.map((company) => {
    const values = new Map<number, FieldValue[]>();
    const put = (code: string, value: FieldValue[] | null): void => {
      const field = companyField(code);
      if (field && value !== null) values.set(field.id, value);
    };
    put(COMPANY_FIELD_CODES.potential3y, numeric(company.potential3y));
    put(COMPANY_FIELD_CODES.margin, numeric(company.margin));
    put(COMPANY_FIELD_CODES.satisfaction, company.satisfaction === null ? null : numeric(company.satisfaction));
    put(COMPANY_FIELD_CODES.contractEnd, company.contractEnd === null ? null : [{ value: dateToAccountUnix(company.contractEnd) }]);
    put(COMPANY_FIELD_CODES.marketingCost, company.marketingCost === null ? null : numeric(company.marketingCost));
    const industry = industryField?.enums?.find((item) => item.code === company.industry);
    if (industryField && industry) values.set(industryField.id, [{ value: industry.value, enum_id: industry.id, enum_code: industry.code ?? null }]);
    return {
      id: company.id, name: company.title, responsible_user_id: company.ownerId, created_by: company.ownerId,
      updated_by: company.ownerId, created_at: toUnix(company.createdAt), updated_at: toUnix(company.modifiedAt),
      tagIds: [], fields: values,
    };
  });
  const phone = contactField('PHONE');
  const email = contactField('EMAIL');
  const workEnum = (field: FieldRecord): number => field.enums?.find((item) => item.code === 'WORK')?.id ?? 0;
  const contacts: ContactRecord[] = portfolio.contacts.map((contact) => {
    const values = new Map<number, FieldValue[]>();
    values.set(phone.id, [{ value: contact.phone, enum_id: workEnum(phone), enum_code: 'WORK' }]);
    values.set(email.id, [{ value: contact.email, enum_id: workEnum(email), enum_code: 'WORK' }]);
    if (contact.post) values.set(contactField('POSITION').id, [{ value: contact.post }]);
    return {
      id: contact.id, name: `${contact.firstName} ${contact.lastName}`, first_name: contact.firstName,
      last_name: contact.lastName, companyId: contact.companyId, responsible_user_id: contact.ownerId,
      created_by: contact.ownerId, updated_by: contact.ownerId, created_at: toUnix(contact.createdAt),
      updated_at: toUnix(contact.modifiedAt), tagIds: [], fields: values,
    };
  });
  const lossReasons = LOSS_REASON_NAMES.map((name, index) => ({
    id: FIRST_LOSS_REASON_ID + index, name, sort: (index + 1) * 10,
    created_at: toUnix(`${portfolio.anchorDate}T00:00:00Z`) - 3 * 365 * 86400, updated_at: toUnix(`${portfolio.anchorDate}T00:00:00Z`) - 3 * 365 * 86400,
  }));
  const leads = portfolio.deals.map((deal) => {
    const lead = mapLead(deal, statusMaps, fx);
    if (lead.status_id === LOST_STATUS_ID) lead.loss_reason_id = FIRST_LOSS_REASON_ID + (lead.id % LOSS_REASON_NAMES.length);
    return lead;
  });
  const maxId = (items: Array<{ id: number }>): number => items.reduce((max, item) => Math.max(max, item.id), 0);
  const accountId = 30_000_000 + (Math.abs(portfolio.seed) % 1_000_000);
  const firstUser = users[0]?.id ?? 1;
  const allEnums = (Object.keys(fields) as EntityType[]).flatMap((type) => fields[type].flatMap((field) => field.enums ?? []));
  return {
    account: {
      id: accountId, name: 'KAM Pilot sandbox', subdomain: account.subdomain,
      uuid: stableUuid(`account:${portfolio.seed}`), amojoId: stableUuid(`amojo:${portfolio.seed}`),
      currentUserId: firstUser, createdAt: toUnix(`${portfolio.anchorDate}T00:00:00Z`) - 4 * 365 * 86400,
    },
    users,
    pipelines: mapped.map((item) => item.pipeline),
    leads,
    contacts,
    companies,
    fields,
    lossReasons,
    firstIds: {
      leads: maxId(leads) + 1, contacts: maxId(contacts) + 1, companies: maxId(companies) + 1,
      field: maxId(Object.values(fields).flat()) + 1, enum: maxId(allEnums) + 1,
      tag: 70001, task: 1, note: 1, webhook: 1,
    },
  };
}
