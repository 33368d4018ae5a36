import type {
  CompanyRecord, ContactRecord, EntityRecord, EntityType, FieldRecord, LeadRecord, LossReasonRecord, NoteRecord,
  PipelineRecord, TagRecord, TaskRecord, UserRecord, WebhookRecord, WriteLog,
} from './amo-records';

export interface AccountInfo {
  id: number;
  name: string;
  subdomain: string;
  uuid: string;
  amojoId: string;
  currentUserId: number;
  createdAt: number;
}

type IdKind = EntityType | 'field' | 'enum' | 'tag' | 'task' | 'note' | 'webhook';

/**
 * Everything the sandbox account holds, in memory. Plain data plus the few lookups every
 * route needs; write rules live in entity-write.ts, views in entity-views.ts.
 */
export interface AmoStore {
  account: AccountInfo;
  users: UserRecord[];
  pipelines: PipelineRecord[];
  leads: Map<number, LeadRecord>;
  contacts: Map<number, ContactRecord>;
  companies: Map<number, CompanyRecord>;
  fields: Record<EntityType, FieldRecord[]>;
  /**
   * Deleted leads, contacts and companies (amo's trash): out of `entities()`, so every read and
   * write treats them as absent, listed only with `with=only_deleted`, back on restore.
   */
  trash: Record<EntityType, Map<number, EntityRecord>>;
  lossReasons: LossReasonRecord[];
  tags: Record<EntityType, TagRecord[]>;
  tasks: Map<number, TaskRecord>;
  notes: NoteRecord[];
  webhooks: WebhookRecord[];
  writeLog: WriteLog;
  entities(type: EntityType): Map<number, EntityRecord>;
  nextId(kind: IdKind): number;
  field(type: EntityType, id: number): FieldRecord | undefined;
  /** Find a tag by name (case-insensitive, as amo matches them) or create it when `create`. */
  tagByName(type: EntityType, name: string, create: boolean): TagRecord | undefined;
  tagById(type: EntityType, id: number): TagRecord | undefined;
  pipeline(id: number): PipelineRecord | undefined;
  userExists(id: number): boolean;
}

export interface AmoStoreInit {
  account: AccountInfo;
  users: UserRecord[];
  pipelines: PipelineRecord[];
  leads: LeadRecord[];
  contacts: ContactRecord[];
  companies: CompanyRecord[];
  fields: Record<EntityType, FieldRecord[]>;
  lossReasons: LossReasonRecord[];
  /** First ids handed out for new records of each kind (so seeded ids never collide). */
  firstIds: Record<IdKind, number>;
}

export function createAmoStore(init: AmoStoreInit): AmoStore {
  const counters = new Map<IdKind, number>(Object.entries(init.firstIds) as Array<[IdKind, number]>);
  const leads = new Map(init.leads.map((lead) => [lead.id, lead]));
  const contacts = new Map(init.contacts.map((contact) => [contact.id, contact]));
  const companies = new Map(init.companies.map((company) => [company.id, company]));
  const tags: Record<EntityType, TagRecord[]> = { leads: [], contacts: [], companies: [] };
  const userIds = new Set(init.users.map((user) => user.id));
  const store: AmoStore = {
    account: init.account,
    users: init.users,
    pipelines: init.pipelines,
    leads,
    contacts,
    companies,
    fields: init.fields,
    trash: { leads: new Map(), contacts: new Map(), companies: new Map() },
    lossReasons: init.lossReasons,
    tags,
    tasks: new Map(),
    notes: [],
    webhooks: [],
    writeLog: { fields: new Map(), tags: new Set() },
    entities(type) {
      if (type === 'leads') return leads;
      if (type === 'contacts') return contacts;
      return companies;
    },
    nextId(kind) {
      const id = counters.get(kind) ?? 1;
      counters.set(kind, id + 1);
      return id;
    },
    field: (type, id) => init.fields[type].find((field) => field.id === id),
    tagByName(type, name, create) {
      const wanted = name.trim().toLowerCase();
      const found = tags[type].find((tag) => tag.name.toLowerCase() === wanted);
      if (found || !create) return found;
      const tag: TagRecord = { id: store.nextId('tag'), name: name.trim(), color: null };
      tags[type].push(tag);
      return tag;
    },
    tagById: (type, id) => tags[type].find((tag) => tag.id === id),
    pipeline: (id) => init.pipelines.find((pipeline) => pipeline.id === id),
    userExists: (id) => userIds.has(id),
  };
  return store;
}
