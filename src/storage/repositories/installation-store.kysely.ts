import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { KamError, fail, isKamError, ok } from '../../core/errors';
import type {
  CrmKind,
  Installation,
  InstallationStatus,
  InstallationStore,
  OAuthTokens,
} from '../../core/ports/installation-store.port';
import type { SecretCipher } from '../crypto/secret-cipher';
import type { Database, InstallationsTable } from '../database';
import { createLeaseStore } from './lease.kysely';
import { notFound, systemClock, type Clock } from './row-helpers';

/** What a sealed installation secret is bound to (AES-GCM additional data): its row and column. */
export const installationSecretContext = (crm: string, externalId: string, column: string): string => `${crm}:${externalId}:${column}`;

type TokenColumns = Pick<InstallationsTable, 'access_token_enc' | 'refresh_token_enc' | 'token_expires_at' | 'token_scope'>;

/**
 * Installations with their secrets sealed. Each sealed value is bound to its installation's
 * (crm, externalId) and column, both immutable, so a value copied to another row will not open.
 * Setters on a missing installation reject with NOT_FOUND (it was purged: stop working on it);
 * purge itself is idempotent.
 */
/** The store as stored; create-storage.ts adds the inbound path's cache (verified-installations.ts). */
export type StoredInstallations = Omit<InstallationStore, 'findVerified'>;

export function createInstallationStore(deps: { db: Kysely<Database>; cipher: SecretCipher; now?: Clock }): StoredInstallations {
  const { db, cipher } = deps;
  const now = deps.now ?? systemClock;

  const leases = createLeaseStore({ db, now });
  const tokenLease = (id: string) => `token:${id}`;
  const context = installationSecretContext;

  const sealTokens = (tokens: OAuthTokens | null, crm: string, externalId: string): TokenColumns =>
    tokens === null
      ? { access_token_enc: null, refresh_token_enc: null, token_expires_at: null, token_scope: null }
      : {
          access_token_enc: cipher.seal(tokens.accessToken, context(crm, externalId, 'access_token')),
          refresh_token_enc: cipher.seal(tokens.refreshToken, context(crm, externalId, 'refresh_token')),
          token_expires_at: tokens.expiresAt,
          token_scope: tokens.scope ?? null,
        };

  const openOrThrow = (sealed: string, row: Selectable<InstallationsTable>, column: string): string => {
    const opened = cipher.open(sealed, context(row.crm, row.external_id, column));
    if (!opened.ok) throw opened.error;
    return opened.value;
  };

  const toInstallation = (row: Selectable<InstallationsTable>): Installation => ({
    id: row.id,
    crm: row.crm as CrmKind,
    externalId: row.external_id,
    domain: row.domain,
    clientEndpoint: row.client_endpoint,
    serverEndpoint: row.server_endpoint,
    applicationToken: row.application_token_enc === null ? null : openOrThrow(row.application_token_enc, row, 'application_token'),
    tokens:
      row.access_token_enc === null || row.refresh_token_enc === null || row.token_expires_at === null
        ? null
        : {
            accessToken: openOrThrow(row.access_token_enc, row, 'access_token'),
            refreshToken: openOrThrow(row.refresh_token_enc, row, 'refresh_token'),
            expiresAt: row.token_expires_at,
            scope: row.token_scope,
          },
    tokenVersion: row.token_version,
    status: row.status as InstallationStatus,
    statusReason: row.status_reason,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  /**
   * One installation whose secrets cannot be opened (an altered row) must not stop the jobs
   * that fan out over list(): it is listed as blocked, without secrets, and get() still
   * rejects with ENCRYPTION_KEY_MISMATCH for whoever handles it.
   */
  const toListedInstallation = (row: Selectable<InstallationsTable>): Installation => {
    try {
      return toInstallation(row);
    } catch (error) {
      if (!isKamError(error) || error.code !== 'ENCRYPTION_KEY_MISMATCH') throw error;
      const unreadable = { ...row, application_token_enc: null, access_token_enc: null, refresh_token_enc: null };
      return { ...toInstallation(unreadable), status: 'blocked', statusReason: `ENCRYPTION_KEY_MISMATCH: ${error.message}` };
    }
  };

  const identity = (id: string) =>
    db.selectFrom('installations').select(['crm', 'external_id', 'token_version']).where('id', '=', id).executeTakeFirst();

  const updateOrThrow = async (id: string, changes: Updateable<InstallationsTable>, what: string): Promise<void> => {
    const result = await db
      .updateTable('installations')
      .set({ ...changes, updated_at: now().toISOString() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('Installation', { id, operation: what });
  };

  return {
    async upsert(input) {
      const at = now().toISOString();
      const { crm, externalId } = input;
      // Only the fields the caller gave change on an existing installation.
      const given: Updateable<InstallationsTable> = { domain: input.domain };
      if (input.clientEndpoint !== undefined) given.client_endpoint = input.clientEndpoint;
      if (input.serverEndpoint !== undefined) given.server_endpoint = input.serverEndpoint;
      if (input.applicationToken !== undefined) {
        given.application_token_enc =
          input.applicationToken === null ? null : cipher.seal(input.applicationToken, context(crm, externalId, 'application_token'));
      }
      const tokenColumns = input.tokens === undefined ? undefined : sealTokens(input.tokens, crm, externalId);
      if (tokenColumns) Object.assign(given, tokenColumns);
      if (input.status !== undefined) Object.assign(given, { status: input.status, status_reason: null });
      if (input.settings !== undefined) given.settings = JSON.stringify(input.settings);

      const row = await db
        .insertInto('installations')
        .values({
          id: randomUUID(),
          crm,
          external_id: externalId,
          domain: input.domain,
          client_endpoint: input.clientEndpoint ?? null,
          server_endpoint: input.serverEndpoint ?? null,
          application_token_enc: given.application_token_enc ?? null,
          ...(tokenColumns ?? sealTokens(null, crm, externalId)),
          token_version: input.tokens ? 1 : 0,
          status: input.status ?? 'new',
          status_reason: null,
          settings: JSON.stringify(input.settings ?? {}),
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['crm', 'external_id']).doUpdateSet((eb) => ({
            ...given,
            updated_at: at,
            // Every token write bumps the version, so a concurrent updateTokens CAS notices.
            ...(tokenColumns ? { token_version: eb('installations.token_version', '+', 1) } : {}),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInstallation(row);
    },

    async get(id) {
      const row = await db.selectFrom('installations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toInstallation(row) : null;
    },

    async findByExternalId(crm, externalId) {
      const row = await db
        .selectFrom('installations')
        .selectAll()
        .where('crm', '=', crm)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return row ? toInstallation(row) : null;
    },

    async list(filter = {}) {
      let query = db.selectFrom('installations').selectAll();
      if (filter.crm) query = query.where('crm', '=', filter.crm);
      if (filter.status) {
        if (filter.status.length === 0) return [];
        query = query.where('status', 'in', filter.status);
      }
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(toListedInstallation);
    },

    async updateTokens(id, tokens, expectedVersion) {
      const current = await identity(id);
      if (!current) return fail(notFound('Installation', { id }));
      const row = await db
        .updateTable('installations')
        .set({ ...sealTokens(tokens, current.crm, current.external_id), token_version: expectedVersion + 1, updated_at: now().toISOString() })
        .where('id', '=', id)
        .where('token_version', '=', expectedVersion)
        .returningAll()
        .executeTakeFirst();
      if (row) return ok(toInstallation(row));
      const stored = (await identity(id))?.token_version ?? null;
      return fail(
        new KamError('CONFLICT', 'The tokens were rotated by someone else first; reload the installation and use its tokens.', {
          retryable: true,
          details: { id, expectedVersion, storedVersion: stored },
        }),
      );
    },

    acquireTokenLease(id, owner, ttlMs) {
      return leases.acquire(tokenLease(id), owner, ttlMs);
    },

    releaseTokenLease(id, owner) {
      return leases.release(tokenLease(id), owner);
    },

    async setApplicationToken(id, applicationToken) {
      const current = await identity(id);
      if (!current) throw notFound('Installation', { id, operation: 'setApplicationToken' });
      const sealed = cipher.seal(applicationToken, context(current.crm, current.external_id, 'application_token'));
      await updateOrThrow(id, { application_token_enc: sealed }, 'setApplicationToken');
    },

    async setStatus(id, status, reason = null, options = {}) {
      const { from } = options;
      if (from === undefined) {
        await updateOrThrow(id, { status, status_reason: reason }, 'setStatus');
        return true;
      }
      if (from.length === 0) throw new KamError('INPUT_INVALID', 'setStatus: `from` lists no status, so nothing could be written');
      // One statement: the condition is checked on the row as it is written (PostgreSQL locks it,
      // SQLite writes alone), never on an earlier read of it.
      const result = await db
        .updateTable('installations')
        .set({ status, status_reason: reason, updated_at: now().toISOString() })
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return true;
      if (!(await identity(id))) throw notFound('Installation', { id, operation: 'setStatus' });
      return false;
    },

    async updateSettings(id, settings) {
      await updateOrThrow(id, { settings: JSON.stringify(settings) }, 'updateSettings');
    },

    async purge(id) {
      // Every other table references installations ON DELETE CASCADE.
      await db.deleteFrom('installations').where('id', '=', id).execute();
      await db.deleteFrom('leases').where('name', '=', tokenLease(id)).execute();
    },
  };
}
