import type { FieldDef } from './entity-schema';
import type { EntityFieldSet } from './entity-fields';
import { isDateField, isNumericField } from './entity-fields';
import type { EntityTable, FieldValue, Row } from './portal-state';
import { lowerBound } from './portal-state';
import { parseBitrixDate } from './bitrix-time';

/**
 * Filtering, ordering and paging of list methods as the docs describe them:
 * 50 rows a page, `start` offsets, `total` and `next`, and `start=-1` turning the count off
 * (docs:settings/how-to-call-rest-api/list-methods-pecularities, docs:settings/performance/huge-data).
 * Filter keys carry an operator prefix: >=, >, <=, <, @ (in), !@, %, =%, %=, =, !=, !
 * (docs:api-reference/crm/deals/crm-deal-list). Ordered by ID, the scan walks the sorted ID
 * index from the cursor and stops after one page, which is what makes the fast
 * `>ID` + `start=-1` pattern fast here as on a real portal.
 */
export const PAGE_SIZE = 50;

type Operator = '=' | '!' | '>' | '>=' | '<' | '<=' | '@' | '!@' | '%' | '!%' | 'like';

interface Condition {
  field: FieldDef;
  op: Operator;
  values: Array<number | string | null>;
}

const PREFIXES: ReadonlyArray<[string, Operator]> = [
  ['>=', '>='], ['<=', '<='], ['!@', '!@'], ['!%', '!%'], ['!=', '!'], ['=%', 'like'], ['%=', 'like'],
  ['>', '>'], ['<', '<'], ['@', '@'], ['%', '%'], ['=', '='], ['!', '!'],
];

function normalize(field: FieldDef, raw: unknown): number | string | null {
  if (raw === null || raw === undefined || raw === '' || raw === false) return null;
  if (isDateField(field)) return parseBitrixDate(raw);
  if (isNumericField(field)) {
    const value = Number(raw);
    return Number.isFinite(value) ? value : null;
  }
  return String(raw);
}

export function parseFilter(set: EntityFieldSet, filter: unknown, camel: boolean): Condition[] {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return [];
  const conditions: Condition[] = [];
  for (const [key, raw] of Object.entries(filter as Record<string, unknown>)) {
    const prefix = PREFIXES.find(([text]) => key.startsWith(text));
    const name = prefix ? key.slice(prefix[0].length) : key;
    // Unknown fields are ignored, as the legacy list methods do.
    const field = camel ? set.byCamel.get(name) ?? set.byName.get(name) : set.byName.get(name.toUpperCase());
    if (!field) continue;
    let op: Operator = prefix ? prefix[1] : '=';
    let list: unknown[] = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' ? Object.values(raw) : [raw];
    if ((op === '@' || op === '!@') && typeof raw === 'string') list = raw.split(',');
    // A plain key with several values is an IN list.
    if (op === '=' && list.length > 1) op = '@';
    if (op === '!' && list.length > 1) op = '!@';
    conditions.push({ field, op, values: list.map((value) => normalize(field, value)) });
  }
  return conditions;
}

function like(haystack: string, pattern: string): boolean {
  const escaped = pattern.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 's').test(haystack.toLowerCase());
}

function scalarOf(value: FieldValue | undefined): Array<number | string | null> {
  if (value === undefined || value === null) return [null];
  if (Array.isArray(value)) {
    if (value.length === 0) return [null];
    return value.map((item) => (typeof item === 'object' ? item.VALUE : item));
  }
  return [value];
}

function test(condition: Condition, value: number | string | null): boolean {
  const first = condition.values[0] ?? null;
  switch (condition.op) {
    case '=': return value === first || (typeof value === 'number' && typeof first === 'string' && String(value) === first);
    case '!': return value !== first;
    case '@': return condition.values.includes(value);
    case '!@': return !condition.values.includes(value);
    case '>': return value !== null && first !== null && value > first;
    case '>=': return value !== null && first !== null && value >= first;
    case '<': return value !== null && first !== null && value < first;
    case '<=': return value !== null && first !== null && value <= first;
    case '%': return value !== null && first !== null && String(value).toLowerCase().includes(String(first).toLowerCase());
    case '!%': return value === null || first === null || !String(value).toLowerCase().includes(String(first).toLowerCase());
    case 'like': return value !== null && first !== null && like(String(value), String(first));
  }
}

export function matches(row: Row, conditions: readonly Condition[]): boolean {
  for (const condition of conditions) {
    const raw = row[condition.field.name];
    if (!Array.isArray(raw)) {
      // Single-valued field: no per-row allocation.
      if (!test(condition, raw ?? null)) return false;
      continue;
    }
    const values = scalarOf(raw);
    const negative = condition.op === '!' || condition.op === '!@' || condition.op === '!%';
    const hit = negative ? values.every((value) => test(condition, value)) : values.some((value) => test(condition, value));
    if (!hit) return false;
  }
  return true;
}

export interface ListRequest {
  table: EntityTable;
  set: EntityFieldSet;
  filter: unknown;
  order: unknown;
  start: unknown;
  camel: boolean;
}

export interface ListPage {
  rows: Row[];
  total?: number;
  next?: number;
}

function parseOrder(set: EntityFieldSet, order: unknown, camel: boolean): Array<{ field: FieldDef; desc: boolean }> {
  if (order === null || typeof order !== 'object') return [];
  const out: Array<{ field: FieldDef; desc: boolean }> = [];
  for (const [key, direction] of Object.entries(order as Record<string, unknown>)) {
    const field = camel ? set.byCamel.get(key) ?? set.byName.get(key) : set.byName.get(key.toUpperCase());
    if (field) out.push({ field, desc: String(direction).toUpperCase() === 'DESC' });
  }
  return out;
}

function compare(a: FieldValue | undefined, b: FieldValue | undefined): number {
  const x = scalarOf(a)[0] ?? null;
  const y = scalarOf(b)[0] ?? null;
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

export function runList(request: ListRequest): ListPage {
  const { table, set, camel } = request;
  const conditions = parseFilter(set, request.filter, camel);
  const order = parseOrder(set, request.order, camel);
  const startNumber = Number(request.start ?? 0);
  const noCount = startNumber === -1;
  const offset = noCount || !Number.isFinite(startNumber) || startNumber < 0 ? 0 : Math.floor(startNumber);

  const byIdOnly = order.length === 0 || (order.length === 1 && order[0]?.field.name === 'ID');
  if (byIdOnly) {
    const desc = order[0]?.desc ?? false;
    const ids = table.ids;
    // Start the walk at the cursor when the filter has one on ID.
    let from = desc ? ids.length - 1 : 0;
    for (const condition of conditions) {
      const bound = condition.values[0];
      if (condition.field.name !== 'ID' || typeof bound !== 'number') continue;
      if (!desc && condition.op === '>') from = Math.max(from, lowerBound(ids, bound + 1));
      if (!desc && condition.op === '>=') from = Math.max(from, lowerBound(ids, bound));
      if (desc && condition.op === '<') from = Math.min(from, lowerBound(ids, bound) - 1);
      if (desc && condition.op === '<=') from = Math.min(from, lowerBound(ids, bound + 1) - 1);
    }
    const rows: Row[] = [];
    let seen = 0;
    for (let i = from; desc ? i >= 0 : i < ids.length; i += desc ? -1 : 1) {
      const row = table.rows.get(ids[i] as number);
      if (!row || !matches(row, conditions)) continue;
      if (seen >= offset && rows.length < PAGE_SIZE) rows.push(row);
      seen += 1;
      if (noCount && rows.length === PAGE_SIZE) break;
    }
    return paged(rows, noCount ? undefined : seen, offset);
  }
  const all: Row[] = [];
  for (const id of table.ids) {
    const row = table.rows.get(id);
    if (row && matches(row, conditions)) all.push(row);
  }
  all.sort((a, b) => {
    for (const { field, desc } of order) {
      const result = compare(a[field.name], b[field.name]);
      if (result !== 0) return desc ? -result : result;
    }
    return (a.ID as number) - (b.ID as number);
  });
  return paged(all.slice(offset, offset + PAGE_SIZE), noCount ? undefined : all.length, offset);
}

function paged(rows: Row[], total: number | undefined, offset: number): ListPage {
  if (total === undefined) return { rows };
  const page: ListPage = { rows, total };
  if (offset + PAGE_SIZE < total) page.next = offset + PAGE_SIZE;
  return page;
}
