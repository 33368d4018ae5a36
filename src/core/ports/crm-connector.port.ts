import type { Result } from '../errors';
import type { Lang } from '../i18n/format-values';
import type { DealStatus, EntityKind, EntityOfKind } from '../model/synced';
import type { CrmWriter } from './crm-writer.port';
import type { CrmKind, Installation, InstallationInput } from './installation-store.port';
import type { DirtyMark } from './sync-state-store.port';

/**
 * The one port every CRM implements (Bitrix24 today, amoCRM next, Megaplan later). The generic
 * use cases in src/app (install, sync, cycle, account view, settings) see a CRM only through it:
 * no vendor name (STAGE_ID, custom_fields_values, _embedded) passes a connector's mapper.
 *
 * A connector owns, per installation: its REST client, rate limiter, retry policy, token manager
 * and request meter. It never touches the storage of synced entities or sync cursors: it yields
 * pages and the app stores them (src/app/sync).
 */

/** The phases requests are counted under (the demo's and benchmarks' `api.byPhase`). */
export type CrmPhase = 'setup' | 'sync' | 'writeBack' | 'other';

export interface RequestCounts {
  requests: number;
  byPhase: Record<CrmPhase, number>;
  byMethod: Record<string, number>;
  /** Refusals seen (QUERY_LIMIT_EXCEEDED, 429, ...) by code. */
  rejections: Record<string, number>;
}

/**
 * The connector's own memory of the portal or account (field ids, enum ids, webhook ids, the
 * app's user): stored as is in `installation.settings[crm]`, handed back on every call.
 */
export type CrmSlot = Record<string, unknown>;

/** What setup created on the CRM, and what the connector needs to remember of it. */
export interface CrmSetupResult {
  slot: CrmSlot;
  /** What had to be created this time, by what (all zero when everything was in place). */
  created: Record<string, number>;
}

export interface CrmSetupOptions {
  publicUrl: string;
  lang: Lang;
  /** Tier ids with their labels, in config order: the tier field's list values. */
  tiers: Array<{ id: string; ru: string; en: string }>;
  /** Contacts without a company are accounts too: write fields on contacts as well. */
  contactFields: boolean;
  /** What the last setup remembered (null on the first). */
  slot: CrmSlot | null;
}

/** Reference data, refreshed at most once a day (stored under ref:* for the engine and pages). */
export interface CrmReferenceData {
  /** The CRM's base (account) currency. */
  baseCurrency: string;
  /** Today's rates: units of baseCurrency per unit of `currency` (empty when the CRM has no FX API). */
  rates: Array<{ currency: string; rate: number }>;
  pipelines: Array<{ id: string; name: string; stages: Array<{ id: string; name: string; status: DealStatus }> }>;
  users: Array<{ id: string; name: string; active: boolean }>;
  /** The CRM's own fields the field map may point at, named in the portal's language (settings pickers). */
  fields?: CrmFieldInfo[];
}

/** One CRM field as the CRM describes it: `code` is what the field map stores. */
export interface CrmFieldInfo {
  kind: EntityKind;
  code: string;
  name: string;
  type: string;
  options?: Array<{ id: string; value: string }>;
}

/** One page of rows of one kind, and the connector's opaque cursor after it. */
export interface SyncPage<K extends EntityKind = EntityKind> {
  kind: K;
  rows: Array<EntityOfKind[K]>;
  /** Opaque to the app: saved after the page is stored, handed back to resume. null once `done`. */
  cursor: string | null;
  /** True when this was the stream's last page. */
  done: boolean;
  /**
   * Set on a freshly started stream's pages: the newest modification mark the CRM held when the
   * stream started (the reconcile that follows the full sync starts there).
   */
  mark?: string | null;
}

/** The high-water marks of modification time per kind (opaque strings in the CRM's own format). */
export type ModifiedMarks = Partial<Record<EntityKind, string | null>>;

export interface ChangedPagesResult {
  /** Per kind: was every changed row read? The app moves a kind's mark only then. */
  complete: Partial<Record<EntityKind, boolean>>;
  /** The newest modification marks seen per kind. */
  marks: ModifiedMarks;
}

export interface ReadByIdsResult<K extends EntityKind = EntityKind> {
  kind: K;
  rows: Array<EntityOfKind[K]>;
  /** Asked for, not returned: deleted in the CRM. */
  missing: string[];
  /** The CRM refused to answer for these; try again later (neither present nor proven absent). */
  refused: string[];
  /** Not asked this time (no room left in the request); ask again. */
  unread: string[];
}

export interface CrmReaderOptions {
  slot: CrmSlot | null;
  /** Our criteria field names -> the CRM's field codes (the traits' defaults plus the admin's map). */
  fieldMap: Record<string, string | null>;
  /** The kinds we write tier/score to: their changes by our own app user are echoes. */
  writtenKinds: readonly EntityKind[];
}

/** Reads pages and rows; the app stores them and keeps the cursors (src/app/sync). */
export interface CrmReader {
  /**
   * Full sync of `kinds`, each resumed from its cursor (null = from the start). Pages of several
   * kinds may come interleaved, as the connector packs its requests.
   */
  fullPages(input: { kinds: EntityKind[]; cursors: Partial<Record<EntityKind, string | null>> }): AsyncGenerator<SyncPage>;
  /**
   * Every row modified at or after each kind's mark (the connector applies its own overlap and
   * skips its own echoes where it can).
   */
  changedPages(input: { marks: ModifiedMarks }): AsyncGenerator<SyncPage, ChangedPagesResult>;
  /** Re-reads entities by id (dirty marks), as many per request as the CRM allows. */
  readByIds(requests: Array<{ kind: EntityKind; ids: string[] }>): Promise<ReadByIdsResult[]>;
  /** How many ids one readByIds call should be given at most. */
  readonly readByIdsCapacity: number;
}

/** A verified inbound event or webhook, turned into what the app does with it. */
export type InboundEffect =
  /** `byApp`: the CRM says our own app user made the change (maybe the echo of our write). */
  | { type: 'dirty'; marks: DirtyMark[]; byApp: boolean }
  /** An install the CRM vouched for: store it, set up; `setUp: false` when it is a repeat. */
  | { type: 'install'; input: InstallationInput; setUp: boolean }
  /** The app was updated in the CRM: maybe a new event secret; the CRM dropped bindings, set up again. */
  | { type: 'updated'; applicationToken: string | null }
  | { type: 'uninstalled'; purge: boolean }
  | { type: 'ignored'; reason: string };

export interface VerifiedInbound {
  /** The installation the request is proven to come from (null: an install of a new one). */
  installation: Installation | null;
  effects: InboundEffect[];
}

/** What a widget or card frame asks about, once its caller is proven. */
export interface WidgetRequest {
  installation: Installation;
  /** The CRM card the widget sits in. */
  card: { kind: EntityKind; id: string } | null;
  lang: Lang | null;
  /** The widget's user, where the CRM's token names one (amoCRM disposable token: user_id, is_admin). */
  user?: { id: string; isAdmin: boolean };
}

/** An install request (the Bitrix24 installer frame, the amoCRM OAuth redirect), verified. */
export interface InstallRequest {
  input: InstallationInput;
  lang: Lang | null;
}

/** The raw parts of an inbound HTTP request, as the edge parsed them. */
export interface InboundRequest {
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Where the request came from (the client address the edge saw): what a flood cannot share with genuine users. */
  source?: string;
}

/** Verification at the edge returns a result; it never throws for a bad request. */
export type VerifyResult<T> = Result<T>;

/**
 * The CRM's inbound edge, run as middleware before any handler. Failures carry the status to
 * answer with (400 malformed, 401 unproven, 403 not allowed, 429 too many checks).
 */
export interface CrmInbound {
  verifyEvent(request: InboundRequest): Promise<VerifyResult<VerifiedInbound>>;
  verifyInstall(request: InboundRequest): Promise<VerifyResult<InstallRequest>>;
  verifyWidget(request: InboundRequest): Promise<VerifyResult<WidgetRequest>>;
}

/** Everything a connector does for one installation, bound to it (client, limiter, tokens, meter). */
export interface CrmSession {
  setUp(options: CrmSetupOptions): Promise<CrmSetupResult>;
  readReference(): Promise<CrmReferenceData>;
  reader(options: CrmReaderOptions): CrmReader;
  writer(slot: CrmSlot): CrmWriter;
  /** Requests made for this installation so far in this process, by phase and method. */
  requests(): RequestCounts;
  /** Calls `listener` with `requests()` before each request goes out (and waits for it), until unwatched. */
  watchRequests(listener: (counts: RequestCounts) => Promise<void>): () => void;
  /** Runs `work` with every request it makes counted under `phase`. */
  inPhase<T>(phase: CrmPhase, work: () => Promise<T>): Promise<T>;
}

/** Per-connector facts the generic code needs instead of vendor names. */
export interface CrmTraits {
  kind: CrmKind;
  /** The synced company's `fields` key that flags the CRM owner's own company (never an account), if any. */
  ownCompanyField?: string;
  /** Which CRM fields hold our criteria inputs by default (potential3y -> UF_CRM_...). */
  defaultFieldMap: Record<string, string | null>;
  /** Base currency until the CRM has said (reference data not read yet). */
  defaultCurrency: string;
}

/**
 * Where a CRM user opens our entities in the CRM's own interface: absolute addresses on the
 * installation's portal or account, built from ids alone (no request).
 */
export interface CrmLinks {
  /** The card of a company, contact or deal. */
  card(installation: Pick<Installation, 'domain' | 'clientEndpoint'>, kind: EntityKind, id: string): string;
  /** Where a next step we created opens: the CRM's task or to-do, or the card that shows it. */
  step(installation: Pick<Installation, 'domain' | 'clientEndpoint'>, step: { crmTaskId: string; entityType: string; entityId: string }): string;
}

export interface CrmConnector {
  readonly traits: CrmTraits;
  readonly links: CrmLinks;
  readonly inbound: CrmInbound;
  /** The installation's connector session (cached per installation in this process). */
  session(installation: Installation): CrmSession;
  /**
   * Is everything setup creates in place, as far as the slot remembers (no request)? False too
   * when the slot's tier list differs from the configured tiers (ids or labels in `lang`).
   */
  isSetUp(slot: CrmSlot | null, options: Pick<CrmSetupOptions, 'contactFields' | 'tiers' | 'lang'>): boolean;
  /** Drops the cached session (new endpoint, new tokens, uninstall). */
  forget(installationId: string): void;
}

/** A registry of the configured connectors by CRM kind (the composition root fills it). */
export type CrmRegistry = Partial<Record<CrmKind, CrmConnector>>;
