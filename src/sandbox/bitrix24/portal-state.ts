import type { SeedPortfolio, SeedUser } from '../portfolio/types';
import type { SandboxBehaviour } from './behaviour';
import type { EntityKind } from './entity-schema';

/**
 * Everything the emulated portal holds. Entity rows keep Bitrix24 field names; datetimes and
 * dates are epoch ms and IDs are numbers, formatted on the way out (so filters compare values,
 * not strings). Each table keeps its IDs sorted, which makes the `>ID` cursor a binary search.
 */
export interface MultiFieldValue {
  ID: string;
  VALUE_TYPE: string;
  VALUE: string;
  TYPE_ID: 'PHONE' | 'EMAIL';
}

export type FieldValue = string | number | null | number[] | MultiFieldValue[];
export type Row = Record<string, FieldValue>;

export interface EntityTable {
  kind: EntityKind;
  rows: Map<number, Row>;
  ids: number[];
  nextId: number;
}

export interface EnumItem {
  ID: string;
  SORT: string;
  VALUE: string;
  DEF: 'Y' | 'N';
  XML_ID: string;
}

export interface UserField {
  ID: string;
  ENTITY_ID: string;
  FIELD_NAME: string;
  USER_TYPE_ID: string;
  XML_ID: string | null;
  SORT: string;
  MULTIPLE: 'Y' | 'N';
  MANDATORY: 'Y' | 'N';
  SHOW_FILTER: string;
  SHOW_IN_LIST: 'Y' | 'N';
  EDIT_IN_LIST: 'Y' | 'N';
  IS_SEARCHABLE: 'Y' | 'N';
  SETTINGS: Record<string, unknown>;
  EDIT_FORM_LABEL: string;
  LIST_COLUMN_LABEL: string;
  LIST_FILTER_LABEL: string;
  ERROR_MESSAGE: string | null;
  HELP_MESSAGE: string | null;
  LIST?: EnumItem[];
}

export interface StatusEntry {
  ID: string;
  ENTITY_ID: string;
  STATUS_ID: string;
  NAME: string;
  NAME_INIT: string;
  SORT: string;
  SYSTEM: 'Y' | 'N';
  CATEGORY_ID: string | null;
  COLOR: string | null;
  SEMANTICS: 'S' | 'F' | null;
  EXTRA?: { SEMANTICS: 'process' | 'success' | 'failure'; COLOR: string };
}

export interface TimelineComment {
  ID: number;
  ENTITY_ID: number;
  ENTITY_TYPE: string;
  COMMENT: string;
  AUTHOR_ID: number;
  CREATED: number;
}

export interface Activity {
  ID: number;
  OWNER_TYPE_ID: number;
  OWNER_ID: number;
  TYPE_ID: number;
  PROVIDER_ID: string;
  PROVIDER_TYPE_ID: string;
  SUBJECT: string;
  DESCRIPTION: string;
  RESPONSIBLE_ID: number;
  AUTHOR_ID: number;
  COMPLETED: 'Y' | 'N';
  DEADLINE: number;
  CREATED: number;
  LAST_UPDATED: number;
  COLOR_ID: string | null;
  PING_OFFSETS: number[];
}

export interface Task {
  id: number;
  title: string;
  description: string;
  responsibleId: number;
  createdBy: number;
  deadline: number | null;
  status: string;
  ufCrmTask: string[];
  createdDate: number;
  changedDate: number;
}

export interface EventBinding {
  event: string;
  handler: string;
  authType: number;
  offline: boolean;
  id: number;
}

export interface PlacementBinding {
  placement: string;
  handler: string;
  title: string;
  description: string;
  groupName: string;
  options: Record<string, unknown>;
  langAll: Record<string, unknown>;
}

export interface PortalApp {
  clientId: string;
  clientSecret: string;
  memberId: string;
  domain: string;
  applicationToken: string;
  scope: string;
  status: string;
  version: number;
  installed: boolean;
  /** Set by the install simulation: what the installer frame answered. */
  installedAt: number | null;
}

export interface PortalState {
  portfolio: SeedPortfolio;
  tables: Record<EntityKind, EntityTable>;
  userFields: UserField[];
  nextUserFieldId: number;
  nextEnumId: number;
  statuses: StatusEntry[];
  users: SeedUser[];
  comments: TimelineComment[];
  activities: Activity[];
  tasks: Task[];
  eventBindings: EventBinding[];
  nextEventBindingId: number;
  placements: PlacementBinding[];
  appOptions: Record<string, unknown>;
  app: PortalApp;
  /** Things a real portal does silently that a client probably did not mean (e.g. an unknown enum value dropped). */
  warnings: string[];
  /** How this portal behaves where the docs leave it open. */
  behaviour: SandboxBehaviour;
}

export function insertRow(table: EntityTable, row: Row): number {
  const id = table.nextId;
  table.nextId += 1;
  row.ID = id;
  table.rows.set(id, row);
  table.ids.push(id);
  return id;
}

export function deleteRow(table: EntityTable, id: number): boolean {
  if (!table.rows.delete(id)) return false;
  const index = lowerBound(table.ids, id);
  if (table.ids[index] === id) table.ids.splice(index, 1);
  return true;
}

/** First index whose id is >= target. */
export function lowerBound(ids: readonly number[], target: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((ids[mid] ?? 0) < target) low = mid + 1;
    else high = mid;
  }
  return low;
}
