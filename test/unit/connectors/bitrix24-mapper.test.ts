import { DEFAULT_FIELD_MAP, companySelect, mapCompany, mapContact, mapDeal, mapDealStatus, type Row } from '../../../src/connectors/bitrix24/bitrix24-mapper';

/** A crm.deal.list row as a portal returns it (everything a string). */
const dealRow = (overrides: Row = {}): Row => ({
  ID: '51',
  TITLE: 'Supply 2027',
  COMPANY_ID: '3',
  CONTACT_ID: '7',
  OPPORTUNITY: '150000.50',
  CURRENCY_ID: 'USD',
  STAGE_ID: 'C2:WON',
  STAGE_SEMANTIC_ID: 'S',
  CATEGORY_ID: '2',
  CLOSED: 'Y',
  ASSIGNED_BY_ID: '1',
  DATE_CREATE: '2026-01-10T10:00:00+03:00',
  DATE_MODIFY: '2026-03-05T18:00:00+03:00',
  CLOSEDATE: '2026-03-01T00:00:00+03:00',
  MOVED_TIME: '2026-03-02T11:00:00+03:00',
  ...overrides,
});

const companyRow = (overrides: Row = {}): Row => ({
  ID: '3',
  TITLE: 'Acme',
  INDUSTRY: 'MANUFACTURING',
  ASSIGNED_BY_ID: '1',
  DATE_CREATE: '2025-01-01T10:00:00+03:00',
  DATE_MODIFY: '2026-03-05T18:00:00+03:00',
  LAST_ACTIVITY_TIME: '2026-03-04T09:00:00+03:00',
  IS_MY_COMPANY: 'N',
  UF_CRM_POTENTIAL_3Y: '5000000',
  UF_CRM_MARGIN: '22',
  UF_CRM_SATISFACTION: '4',
  UF_CRM_CONTRACT_END: '2027-06-30T00:00:00+03:00',
  UF_CRM_MARKETING_COST: '12000.5',
  ...overrides,
});

describe('mapDeal', () => {
  it.each([
    ['S', 'won'],
    ['F', 'lost'],
    ['P', 'open'],
    [undefined, 'open'],
    ['', 'open'],
  ])('STAGE_SEMANTIC_ID %p -> %s', (semantic, status) => {
    expect(mapDealStatus(semantic)).toBe(status);
    expect(mapDeal(dealRow({ STAGE_SEMANTIC_ID: semantic })).status).toBe(status);
  });

  it('maps a won deal completely, closedAt from the stage move (MOVED_TIME), not the editable CLOSEDATE', () => {
    expect(mapDeal(dealRow())).toEqual({
      crmId: '51',
      title: 'Supply 2027',
      companyId: '3',
      contactId: '7',
      amount: 150000.5,
      currency: 'USD',
      status: 'won',
      pipelineId: '2',
      stageId: 'C2:WON',
      ownerId: '1',
      createdAt: '2026-01-10T10:00:00+03:00',
      closedAt: '2026-03-02T11:00:00+03:00',
      modifiedAt: '2026-03-05T18:00:00+03:00',
    });
  });

  it('closedAt falls back to CLOSEDATE, then DATE_MODIFY; an open deal has none', () => {
    expect(mapDeal(dealRow({ STAGE_SEMANTIC_ID: 'F', MOVED_TIME: '' })).closedAt).toBe('2026-03-01T00:00:00+03:00');
    expect(mapDeal(dealRow({ CLOSEDATE: null, MOVED_TIME: null })).closedAt).toBe('2026-03-05T18:00:00+03:00');
    // An open deal's CLOSEDATE is only the planned date.
    expect(mapDeal(dealRow({ STAGE_SEMANTIC_ID: 'P' })).closedAt).toBeNull();
  });

  it('"0" and empty ids mean "none"', () => {
    const deal = mapDeal(dealRow({ COMPANY_ID: '0', CONTACT_ID: '', ASSIGNED_BY_ID: null }));
    expect(deal).toMatchObject({ companyId: null, contactId: null, ownerId: null });
    expect(mapDeal(dealRow({ COMPANY_ID: 0 })).companyId).toBeNull();
  });

  it('fills defaults for an almost empty row', () => {
    expect(mapDeal({ ID: 9 })).toEqual({
      crmId: '9',
      title: '',
      companyId: null,
      contactId: null,
      amount: 0,
      currency: 'RUB',
      status: 'open',
      pipelineId: '0',
      stageId: '',
      ownerId: null,
      createdAt: '1970-01-01',
      closedAt: null,
      modifiedAt: null,
    });
  });

  it('reads a decimal comma and drops a non-number amount to 0', () => {
    expect(mapDeal(dealRow({ OPPORTUNITY: '1500,75' })).amount).toBe(1500.75);
    expect(mapDeal(dealRow({ OPPORTUNITY: 'n/a' })).amount).toBe(0);
  });
});

describe('mapCompany', () => {
  it('maps the criteria fields by the field map', () => {
    expect(mapCompany(companyRow(), DEFAULT_FIELD_MAP)).toEqual({
      crmId: '3',
      name: 'Acme',
      industry: 'MANUFACTURING',
      ownerId: '1',
      fields: {
        potential3y: 5_000_000,
        margin: 0.22,
        satisfaction: 4,
        contractEnd: '2027-06-30T00:00:00+03:00',
        marketingCost: 12000.5,
        lastActivityAt: '2026-03-04T09:00:00+03:00',
      },
      createdAt: '2025-01-01T10:00:00+03:00',
      modifiedAt: '2026-03-05T18:00:00+03:00',
    });
  });

  it.each([
    ['22', 0.22],
    ['0.22', 0.22],
    [0.22, 0.22],
    ['22,5', 0.225],
    ['0', 0],
    ['100', 1],
  ])('margin %p -> %p (percent above 1, fraction otherwise)', (raw, margin) => {
    expect(mapCompany(companyRow({ UF_CRM_MARGIN: raw }), DEFAULT_FIELD_MAP).fields.margin).toBeCloseTo(margin, 10);
  });

  it('flags our own company only on IS_MY_COMPANY = Y', () => {
    expect(mapCompany(companyRow({ IS_MY_COMPANY: 'Y' }), DEFAULT_FIELD_MAP).fields.isMyCompany).toBe(true);
    expect(mapCompany(companyRow({ IS_MY_COMPANY: 'N' }), DEFAULT_FIELD_MAP).fields).not.toHaveProperty('isMyCompany');
    expect(mapCompany(companyRow({ IS_MY_COMPANY: undefined }), DEFAULT_FIELD_MAP).fields).not.toHaveProperty('isMyCompany');
  });

  it('leaves empty or unreadable UF values out instead of guessing', () => {
    const company = mapCompany(
      companyRow({ UF_CRM_POTENTIAL_3Y: '', UF_CRM_MARGIN: 'high', UF_CRM_SATISFACTION: null, UF_CRM_CONTRACT_END: '', UF_CRM_MARKETING_COST: undefined, LAST_ACTIVITY_TIME: '' }),
      DEFAULT_FIELD_MAP,
    );
    expect(company.fields).toEqual({});
  });

  it('ignores UF fields the map does not name, and unmapped criteria', () => {
    const map = { ...DEFAULT_FIELD_MAP, margin: null, satisfaction: 'UF_CRM_NPS' };
    const company = mapCompany(companyRow({ UF_CRM_SOMETHING_ELSE: '5', UF_CRM_NPS: '9' }), map);
    expect(company.fields).not.toHaveProperty('margin');
    expect(company.fields.satisfaction).toBe(9);
    expect(Object.keys(company.fields).sort()).toEqual(['contractEnd', 'lastActivityAt', 'marketingCost', 'potential3y', 'satisfaction']);
    expect(companySelect(map)).toEqual(expect.arrayContaining(['UF_CRM_NPS', 'UF_CRM_POTENTIAL_3Y']));
    expect(companySelect(map)).not.toContain(null);
  });

  it('names a company without a title by its id; "0" owner -> null', () => {
    expect(mapCompany({ ID: '8', TITLE: '', ASSIGNED_BY_ID: '0' }, DEFAULT_FIELD_MAP)).toMatchObject({ name: '#8', ownerId: null, industry: null, createdAt: null });
  });
});

describe('mapContact', () => {
  it('joins the name parts and drops "0" ids', () => {
    expect(mapContact({ ID: '4', NAME: 'Ivan', LAST_NAME: 'Petrov', COMPANY_ID: '0', ASSIGNED_BY_ID: '2', DATE_CREATE: 'c', DATE_MODIFY: 'm' })).toEqual({
      crmId: '4',
      name: 'Ivan Petrov',
      companyId: null,
      ownerId: '2',
      createdAt: 'c',
      modifiedAt: 'm',
    });
    expect(mapContact({ ID: '5', NAME: '', LAST_NAME: 'Sidorov' }).name).toBe('Sidorov');
    expect(mapContact({ ID: '6' }).name).toBe('#6');
  });
});
