import type { FieldDef } from '../entity-schema';
import type { EntityFieldSet } from '../entity-fields';
import type { EntityTable, Row } from '../portal-state';

/**
 * Lets small side collections (activities, comments) reuse the list engine: a field set plus a
 * throwaway ID-sorted table over their rows.
 */
export function fieldSet(fields: FieldDef[]): EntityFieldSet {
  return {
    fields,
    byName: new Map(fields.map((field) => [field.name, field])),
    byCamel: new Map(fields.map((field) => [field.camel, field])),
    userFields: [],
  };
}

export function tableOf(rows: Row[]): EntityTable {
  const table: EntityTable = { kind: 'deal', rows: new Map(), ids: [], nextId: 1 };
  for (const row of rows) {
    table.rows.set(row.ID as number, row);
    table.ids.push(row.ID as number);
  }
  table.ids.sort((a, b) => a - b);
  return table;
}
