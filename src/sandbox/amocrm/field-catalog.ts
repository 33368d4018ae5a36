import type { EntityType, EnumRecord, FieldRecord, FieldType } from './amo-records';

/**
 * Custom fields the sandbox account starts with. PHONE / EMAIL / POSITION / WEB / ADDRESS are
 * amo's predefined fields (they carry those codes on real accounts); the KAM ones are what a
 * customer's admin would have added by hand, given codes here so clients can find them
 * without matching Russian names. Declared in GET /api/v4/{entity}/custom_fields. A `fresh`
 * account (a real new one) has the predefined fields only.
 */
export const COMPANY_FIELD_CODES = {
  potential3y: 'KAM_POTENTIAL_3Y',
  margin: 'KAM_MARGIN',
  satisfaction: 'KAM_SATISFACTION',
  contractEnd: 'KAM_CONTRACT_END',
  marketingCost: 'KAM_MARKETING_COST',
  industry: 'KAM_INDUSTRY',
} as const;

const PHONE_ENUMS = ['WORK', 'WORKDD', 'MOB', 'FAX', 'HOME', 'OTHER'];
const EMAIL_ENUMS = ['WORK', 'PRIV', 'OTHER'];

export function buildFieldCatalog(industries: ReadonlyArray<{ code: string; name: string }>, fresh = false): Record<EntityType, FieldRecord[]> {
  let enumId = 600_001;
  const enums = (items: ReadonlyArray<{ value: string; code: string | null }>): EnumRecord[] =>
    items.map((item, index) => ({ id: enumId++, value: item.value, sort: (index + 1) * 2, code: item.code }));
  const field = (
    entityType: EntityType, id: number, name: string, type: FieldType, code: string | null, sort: number, fieldEnums: EnumRecord[] | null = null,
  ): FieldRecord => ({ id, entityType, name, type, code, sort, isApiOnly: false, groupId: null, enums: fieldEnums, createdViaApi: false });
  const multitext = (codes: string[]): EnumRecord[] => enums(codes.map((code) => ({ value: code, code })));

  const contacts = [
    field('contacts', 500_001, 'Должность', 'text', 'POSITION', 1),
    field('contacts', 500_002, 'Телефон', 'multitext', 'PHONE', 2, multitext(PHONE_ENUMS)),
    field('contacts', 500_003, 'Email', 'multitext', 'EMAIL', 3, multitext(EMAIL_ENUMS)),
  ];
  const companies = [
    field('companies', 500_101, 'Телефон', 'multitext', 'PHONE', 1, multitext(PHONE_ENUMS)),
    field('companies', 500_102, 'Email', 'multitext', 'EMAIL', 2, multitext(EMAIL_ENUMS)),
    field('companies', 500_103, 'Web', 'url', 'WEB', 3),
    field('companies', 500_104, 'Адрес', 'textarea', 'ADDRESS', 4),
    field('companies', 500_111, 'Потенциал на 3 года, ₽', 'numeric', COMPANY_FIELD_CODES.potential3y, 10),
    field('companies', 500_112, 'Маржинальность, %', 'numeric', COMPANY_FIELD_CODES.margin, 11),
    field('companies', 500_113, 'Удовлетворённость (1-10)', 'numeric', COMPANY_FIELD_CODES.satisfaction, 12),
    field('companies', 500_114, 'Окончание договора', 'date', COMPANY_FIELD_CODES.contractEnd, 13),
    field('companies', 500_115, 'Затраты на маркетинг, ₽', 'numeric', COMPANY_FIELD_CODES.marketingCost, 14),
    field('companies', 500_116, 'Отрасль', 'select', COMPANY_FIELD_CODES.industry, 15,
      enums(industries.map((item) => ({ value: item.name, code: item.code })))),
  ];
  // A new account has only the predefined fields (those without a KAM_ code).
  if (fresh) return { leads: [], contacts, companies: companies.filter((item) => !item.code?.startsWith('KAM_')) };
  return { leads: [], contacts, companies };
}
