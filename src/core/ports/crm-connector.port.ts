import type { Result } from '../errors';
import type { EntityKind, EntityOfKind } from '../model/synced';
import type { CrmWriter } from './crm-writer.port';
import type { CrmKind, Installation } from './installation-store.port';
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
export type CrmPhase = 'setup' | 'sync' | 'writeBack' | 'verify' | 'other';

export interface RequestCounts {
  requests: number;
  byPhase: Record<string, number>;
  byMethod: Record<string, number>;
}

/** What setup created on the CRM, and what the connector needs to remember of it. */
export interface CrmSetupResult {
  /**
   * The connector's own memory of the portal (field ids, enum ids, webhook ids, the app's user):
   * stored as is in `installation.settings[crm]`, handed back to the connector on every call.
   */
  slot: Record<string, unknown>;
  /** Human-readable list of what had to be created this time (empty when all was in place). */
  created: string[];
}

export interface CrmSetupOptions {
  publicUrl: string;
  lang: 'ru' | 'en';
  /** Tier ids with their labels, in config order: the tier field's list values. */
  tiers: Array<{ id: string; ru: string; en: string }>;
  /** Contacts without a company are accounts too: write fields on contacts as well. */
  contactFields: boolean;
}

/** Reference data, refreshed at most once a day. */
export interface CrmReferenceData {
  /** The CRM's base (account) currency. */
  baseCurrency: string;
  /** Today's rates: units of baseCurrency per unit of `currency` (empty when the CRM has no FX API). */
  rates: Array<{ currency: string; rate: number }>;
  pipelines: Array<{ id: string; name: string; stages: Array<{ id: string; name: string; semantics: 'open' | 'won' | 'lost' }> }>;
  users: Array<{ id: string; name: string; isAdmin?: boolean; active?: boolean }>;
  /** The CRM's own fields that a criterion or the field map may read (settings page pickers). */
  fields?: Array<{ kind: EntityKind; code: string; name: string; type: string; options?: Array<{ id: string; value: string }> }>;
}

/** One page of rows of one kind, and the connector's opaque cursor after it. */
export interface SyncPage<K extends EntityKind = EntityKind> {
  kind: K;
  rows: Array<EntityOfKind[K]>;
  /** Opaque to the app: saved after the page is stored; handed back to resume. null when the stream is done. */
  cursor: string | null;
  /** True when this was the stream's last page. */
  done: boolean;
}

/** The high-water marks of modification time per kind (opaque strings in the CRM's own format). */
export type ModifiedMarks = Partial<Record<EntityKind, string | null>>;

export interface ReadByIdsResult<K extends EntityKind = EntityKind> {
  rows: Array<EntityOfKind[K]>;
  /** Asked for, not returned: deleted in the CRM. */
  missing: string[];
  /** The CRM refused to answer for these; try again later (neither present nor proven absent). */
  refused: string[];
}

/** A stream of pages of several kinds, interleaved as the connector packs its requests. */
export interface CrmReader {
  /**
   * Full sync of `kinds`, resuming each from its cursor (null = from the start). `marks` receives
   * the modification mark seen at the start of each fresh stream (for the reconcile that follows).
   */
  fullPages(input: { kinds: EntityKind[]; cursors: Partial<Record<EntityKind, string | null>> }): AsyncGenerator<SyncPage & { mark?: string | null }>;
  /**
   * Every row modified at or after each kind's mark (the connector applies its own overlap and
   * skips its own echoes where it can). `complete` on the final result says whether every page
   * was read (the mark moves only then); `marks` are the newest modification marks seen.
   */
  changedPages(input: { marks: ModifiedMarks }): AsyncGenerator<SyncPage, { complete: Partial<Record<EntityKind, boolean>>; marks: ModifiedMarks }>;
  /** Re-reads entities by id (dirty marks), packing as many ids per request as the CRM allows. */
  readByIds(requests: Array<{ kind: EntityKind; ids: string[] }>): Promise<Array<ReadByIdsResult & { kind: EntityKind }>>;
  /** How many ids one readByIds call should be given at most (the connector's per-request capacity). */
  readonly readByIdsCapacity: number;
}

/** A verified inbound event or webhook, already turned into what the app does with it. */
export type InboundEffect =
  | { type: 'dirty'; marks: DirtyMark[] }
  | { type: 'installed' }
  | { type: 'updated'; applicationToken?: string }
  | { type: 'uninstalled'; purge: boolean }
  | { type: 'ignored'; reason: string };

/** Everything a connector does for one installation, bound to it (client, limiter, tokens, meter). */
export interface CrmSession {
  setUp(options: CrmSetupOptions): Promise<CrmSetupResult>;
  readReference(): Promise<CrmReferenceData>;
  reader(options: { fieldMap: Record<string, string>; writtenKinds: readonly EntityKind[] }): CrmReader;
  writer(): CrmWriter;
  /** Requests made for this installation so far in this process, by phase and method. */
  requests(): RequestCounts;
  /** Runs `work` with every request it makes counted under `phase`. */
  inPhase<T>(phase: CrmPhase, work: () => Promise<T>): Promise<T>;
}

/** Per-connector facts the generic code needs instead of vendor names. */
export interface CrmTraits {
  kind: CrmKind;
  /** The synced company's `fields` key that flags the CRM owner's own company (never an account), if any. */
  ownCompanyField?: string;
  /** Which synced fields the connector reads by default, keyed by our criteria field names (potential3y -> UF_CRM_...). */
  defaultFieldMap: Record<string, string>;
  /** Default base currency when the CRM has not said (amoCRM: from the account; Bitrix24: crm.currency.base). */
  defaultCurrency: string;
}

export interface CrmConnector {
  readonly traits: CrmTraits;
  /** The installation's connector session (cached per installation in this process). */
  session(installation: Installation): CrmSession;
  /** Drops the cached session (new endpoint, new tokens, uninstall). */
  forget(installationId: string): void;
}

/** A registry of the configured connectors by CRM kind (the composition root fills it). */
export type CrmRegistry = Partial<Record<CrmKind, CrmConnector>>;

/** Verification at the edge returns a result; it never throws for a bad request. */
export type VerifyResult<T> = Result<T>;
