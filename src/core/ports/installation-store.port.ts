import type { Result } from '../errors';

export type CrmKind = 'bitrix24' | 'amocrm';

/** New -> Active <-> Blocked -> Deleted (the mesilov SDK's installation state machine). */
export type InstallationStatus = 'new' | 'active' | 'blocked' | 'deleted';

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** ISO datetime when the access token expires. */
  expiresAt: string;
  scope?: string | null;
}

export interface Installation {
  /** Our own id (a UUID). */
  id: string;
  crm: CrmKind;
  /** Bitrix24 member_id; amoCRM account id. Stable even when the domain changes. */
  externalId: string;
  /** Bitrix24 portal domain; amoCRM base domain (sub.amocrm.ru / sub.kommo.com). */
  domain: string;
  /** Bitrix24 client_endpoint (https://x.bitrix24.com/rest/); amoCRM https://sub.amocrm.ru */
  clientEndpoint: string | null;
  /** Bitrix24 server_endpoint (the OAuth server); null for amoCRM. */
  serverEndpoint: string | null;
  /** Bitrix24 application_token: the shared secret that authenticates events. Encrypted at rest. */
  applicationToken: string | null;
  /** Encrypted at rest. */
  tokens: OAuthTokens | null;
  /** Bumped on every token write; used for compare-and-swap so a lost rotation is detected. */
  tokenVersion: number;
  status: InstallationStatus;
  statusReason: string | null;
  /** Free-form per-installation settings (criteria, rules, field mapping, language). */
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface InstallationInput {
  crm: CrmKind;
  externalId: string;
  domain: string;
  clientEndpoint?: string | null;
  serverEndpoint?: string | null;
  applicationToken?: string | null;
  tokens?: OAuthTokens | null;
  status?: InstallationStatus;
  settings?: Record<string, unknown>;
}

/** The statuses a status write may replace; see InstallationStore.setStatus. */
export interface StatusCondition {
  from?: readonly InstallationStatus[];
}

/** An installation by our id, or by its CRM's own id. */
export type VerifiedLookup = { id: string } | { crm: CrmKind; externalId: string };

export interface InstallationStore {
  /** Creates the installation, or updates the given fields of the one with the same (crm, externalId). */
  upsert(input: InstallationInput): Promise<Installation>;
  get(id: string): Promise<Installation | null>;
  findByExternalId(crm: CrmKind, externalId: string): Promise<Installation | null>;
  list(filter?: { crm?: CrmKind; status?: InstallationStatus[] }): Promise<Installation[]>;
  /**
   * For inbound verification (events, webhooks) only: a copy held in memory for a few seconds
   * when `accepts` takes it, else the stored installation (a copy that would refuse is never
   * trusted: the secret may have been rotated elsewhere). A change made by another process may
   * therefore go unseen for at most that time (the store's documented TTL); one made through
   * this store is seen at once.
   */
  findVerified(lookup: VerifiedLookup, accepts: (installation: Installation) => boolean): Promise<Installation | null>;
  /**
   * Stores a new token pair only if the stored tokenVersion is still `expectedVersion`
   * (another process may have rotated them first). Returns the updated installation.
   */
  updateTokens(id: string, tokens: OAuthTokens, expectedVersion: number): Promise<Result<Installation>>;
  /**
   * Takes the installation's token-refresh lease for `owner` until `ttlMs` from now, unless another
   * owner holds an unexpired one (the same owner renews). True when taken. It makes a refresh
   * single-flight across processes: a refresh token works once, so only the holder may spend it.
   */
  acquireTokenLease(id: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the token-refresh lease up, if `owner` still holds it. */
  releaseTokenLease(id: string, owner: string): Promise<void>;
  setApplicationToken(id: string, applicationToken: string): Promise<void>;
  /**
   * Sets the status and its reason. With `from`, only while the stored status is one of them, in
   * one conditional write (UPDATE ... WHERE status IN (...)): a move decided on a status read
   * earlier never overwrites one made meanwhile (an uninstall hook's `deleted` by a refused token
   * refresh's `blocked`). True when written, false when the stored status was not in `from`;
   * rejects with NOT_FOUND when the installation is gone.
   */
  setStatus(id: string, status: InstallationStatus, reason?: string | null, options?: StatusCondition): Promise<boolean>;
  updateSettings(id: string, settings: Record<string, unknown>): Promise<void>;
  /** Removes the installation and every row that belongs to it, in every store. */
  purge(id: string): Promise<void>;
}
