/**
 * The sandbox's in-memory records. They are kept close to amoCRM's API v4 field names
 * (shared/reference/amocrm-api.md §3.2-3.8) so the views stay thin; they are internal and
 * never leave src/sandbox/amocrm.
 */
export type EntityType = 'leads' | 'contacts' | 'companies';
export const ENTITY_TYPES: readonly EntityType[] = ['leads', 'contacts', 'companies'];

/** One stored value of a custom field, as API v4 writes it ({value} | {enum_id} | {enum_code}). */
export interface FieldValue {
  value?: string | number | boolean;
  enum_id?: number;
  enum_code?: string | null;
}

export interface EnumRecord {
  id: number;
  value: string;
  sort: number;
  code?: string | null;
}

export type FieldType =
  | 'text' | 'numeric' | 'checkbox' | 'select' | 'multiselect' | 'multitext' | 'date'
  | 'url' | 'textarea' | 'radiobutton' | 'date_time' | 'birthday' | 'price' | 'monetary';

export interface FieldRecord {
  id: number;
  entityType: EntityType;
  name: string;
  type: FieldType;
  code: string | null;
  sort: number;
  isApiOnly: boolean;
  groupId: string | null;
  enums: EnumRecord[] | null;
  /** True when a client created it through POST .../custom_fields (shown in /_sandbox/state). */
  createdViaApi: boolean;
}

export interface EntityRecord {
  id: number;
  name: string;
  responsible_user_id: number;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
  /** Tag ids (per entity type registry). */
  tagIds: number[];
  fields: Map<number, FieldValue[]>;
}

export interface LeadRecord extends EntityRecord {
  price: number;
  pipeline_id: number;
  status_id: number;
  closed_at: number | null;
  loss_reason_id: number | null;
  companyId: number | null;
  contactIds: number[];
}

export interface ContactRecord extends EntityRecord {
  first_name: string;
  last_name: string;
  companyId: number | null;
}

export type CompanyRecord = EntityRecord;

/** A reason a lead was lost (GET /api/v4/leads/loss_reasons, LossReasons.php). */
export interface LossReasonRecord {
  id: number;
  name: string;
  sort: number;
  created_at: number;
  updated_at: number;
}

export interface TagRecord {
  id: number;
  name: string;
  color: string | null;
}

export interface StatusRecord {
  id: number;
  name: string;
  sort: number;
  is_editable: boolean;
  pipeline_id: number;
  color: string;
  /** 0 = regular, 1 = "unsorted" (Неразобранное). */
  type: 0 | 1;
}

export interface PipelineRecord {
  id: number;
  name: string;
  sort: number;
  is_main: boolean;
  is_unsorted_on: boolean;
  is_archive: boolean;
  statuses: StatusRecord[];
}

export interface UserRecord {
  id: number;
  name: string;
  email: string;
  isAdmin: boolean;
  isActive: boolean;
}

export interface TaskRecord {
  id: number;
  text: string;
  entity_type: EntityType | null;
  entity_id: number | null;
  task_type_id: number;
  responsible_user_id: number;
  complete_till: number;
  duration: number;
  is_completed: boolean;
  resultText: string | null;
  created_by: number;
  updated_by: number;
  created_at: number;
  updated_at: number;
}

export interface NoteRecord {
  id: number;
  entity_type: EntityType;
  entity_id: number;
  note_type: string;
  params: Record<string, unknown>;
  responsible_user_id: number;
  created_by: number;
  created_at: number;
  updated_at: number;
}

export interface WebhookRecord {
  id: number;
  destination: string;
  settings: string[];
  sort: number;
  disabled: boolean;
  created_by: number;
  created_at: number;
  updated_at: number;
  /** Delivery bookkeeping for the auto-disable rule (reference §4.4). */
  failureTimes: number[];
  delivered: number;
  failed: number;
  lastFailed: boolean;
}

/** Which (entity, id, field) values and tags a client wrote through the API, for /_sandbox/state. */
export interface WriteLog {
  fields: Map<string, Set<number>>;
  tags: Set<string>;
}
