import { parseSnapshot } from '../../../src/core/engine';

const valid = () => ({
  baseCurrency: 'RUB',
  asOf: '2026-10-31',
  fxRates: [{ currency: 'USD', date: '2025-01-01', rate: 90.5 }],
  accounts: [{ id: 'c1', name: 'Stroymontazh', industry: 'CONSTRUCTION', ownerId: '7', fields: { potential3y: 42_000_000 } }],
  deals: Array.from({ length: 45 }, (_, i) => ({
    id: `d${i}`, accountId: 'c1', amount: 1000, currency: 'RUB', status: 'won',
    createdAt: '2025-01-10', closedAt: '2025-02-01T23:59:00+03:00', pipelineId: '0', ownerId: '7',
  })),
});

const errorOf = (input: unknown): string => {
  const result = parseSnapshot(input);
  if (result.ok) throw new Error('expected a failure');
  expect(result.error.code).toBe('INPUT_INVALID');
  return result.error.message;
};

describe('parseSnapshot', () => {
  it('accepts the spec example, normalising datetimes to their date part and ignoring unknown keys', () => {
    const result = parseSnapshot({ ...valid(), exportedBy: 'someone', version: 3 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.deals[0]?.closedAt).toBe('2025-02-01');
    expect(result.value).not.toHaveProperty('exportedBy');
    expect(result.value.accounts[0]?.fields).toEqual({ potential3y: 42_000_000 });
  });

  it('names the exact path of a wrong type', () => {
    const input = valid();
    (input.deals[41] as Record<string, unknown>).amount = '1000';
    expect(errorOf(input)).toBe('deals[41].amount: expected number');
  });

  it('names missing and malformed values, listing every fault', () => {
    const input = valid() as Record<string, unknown>;
    delete input.baseCurrency;
    (input.accounts as Array<Record<string, unknown>>)[0]!.fields = 'none';
    (input.deals as Array<Record<string, unknown>>)[3]!.status = 'pending';
    (input.deals as Array<Record<string, unknown>>)[4]!.createdAt = '2025-02-30';
    expect(errorOf(input).split('\n')).toEqual([
      'baseCurrency: required (expected string)',
      'accounts[0].fields: expected object',
      'deals[3].status: expected one of "open", "won", "lost"',
      'deals[4].createdAt: expected date YYYY-MM-DD, got "2025-02-30"',
    ]);
  });

  it('requires closedAt for won and lost deals', () => {
    const input = valid();
    delete (input.deals[2] as Record<string, unknown>).closedAt;
    expect(errorOf(input)).toBe('deals[2].closedAt: required for won deals');
  });

  it('rejects a currency with no rate, naming it', () => {
    const input = valid();
    input.deals[5]!.currency = 'CNY';
    expect(errorOf(input)).toBe('deals[5].currency: no FX rate for currency CNY (base RUB)');
  });

  it('rejects negative amounts, duplicate ids and a base rate other than 1', () => {
    const input = valid();
    input.deals[1]!.amount = -5;
    input.deals[7]!.id = 'd6';
    input.fxRates.push({ currency: 'RUB', date: '2025-01-01', rate: 2 });
    expect(errorOf(input).split('\n')).toEqual(['deals[1].amount: expected number >= 0']);
    input.deals[1]!.amount = 5;
    expect(errorOf(input).split('\n')).toEqual([
      'fxRates[1].rate: the base currency RUB always has rate 1',
      'deals[7].id: duplicate deal id "d6"',
    ]);
  });

  it('rejects a document that is not an object at all', () => {
    expect(errorOf(null)).toBe('(root): expected object');
    expect(errorOf([])).toBe('(root): expected object');
  });

  it('caps a long error list but keeps every issue countable', () => {
    const input = valid();
    for (const deal of input.deals) (deal as Record<string, unknown>).amount = 'x';
    const message = errorOf(input);
    expect(message.split('\n')).toHaveLength(11);
    expect(message).toMatch(/\(and 35 more\)$/);
  });
});
