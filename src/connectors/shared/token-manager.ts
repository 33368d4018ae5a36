import { randomUUID } from 'node:crypto';
import { KamError } from '../../core/errors';
import { statusesBefore } from '../../core/model/installation-state';
import type { Installation, InstallationStore, OAuthTokens } from '../../core/ports/installation-store.port';
import type { Logger } from '../../logging/logger';

/**
 * The one owner of an installation's tokens (STYLE.md rule 5). A refresh is single-flight in
 * this process (one promise) and across processes (the installation's token lease in the
 * database); the new pair is persisted before anyone uses it, because both CRMs rotate refresh
 * tokens and a lost rotation means a forced reinstall (bitrix24/b24jssdk#147, b24phpsdk#102).
 * An installation is blocked only when the newest stored pair itself is refused.
 */
export interface TokenManager {
  /** The access token to use now. */
  accessToken(): Promise<string>;
  /** Called after the CRM refused `staleAccessToken` as expired; resolves with a fresh one. */
  refresh(staleAccessToken: string): Promise<string>;
}

/** The OAuth server refused the refresh token itself (expired, revoked, already used): the grant is gone. */
function isGrantRefused(error: unknown): boolean {
  return error instanceof KamError && (error.details.vendorCode === 'invalid_grant' || /token has been revoked/i.test(error.message));
}

export interface TokenManagerDeps {
  installationId: string;
  installations: InstallationStore;
  /** Trades a refresh token for a new pair at the CRM's OAuth server. */
  exchange(refreshToken: string): Promise<OAuthTokens>;
  logger: Logger;
  /** How long a refresh may hold the lease; longer than one exchange can take (its HTTP timeout). Default 90 s. */
  leaseTtlMs?: number;
  /** Pause between two looks at a lease another process holds. Default 100 ms. */
  leasePollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export function createTokenManager(deps: TokenManagerDeps): TokenManager {
  const leaseTtlMs = deps.leaseTtlMs ?? 90_000;
  const leasePollMs = deps.leasePollMs ?? 100;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // Each manager is its own lease owner: two managers in one process are two contenders.
  const owner = `${process.pid}:${randomUUID()}`;
  let cached: OAuthTokens | null = null;
  let inflight: Promise<string> | null = null;

  const load = async (): Promise<Installation & { tokens: OAuthTokens }> => {
    const installation = await deps.installations.get(deps.installationId);
    if (!installation) throw new KamError('NOT_FOUND', `Installation ${deps.installationId} is gone`);
    if (!installation.tokens) throw new KamError('UNAUTHORIZED', 'The installation has no tokens yet; reinstall the app');
    if (installation.status === 'blocked') throw new KamError('TOKEN_REFRESH_FAILED', `The installation is blocked: ${installation.statusReason ?? 'tokens are no longer valid'}`);
    return installation as Installation & { tokens: OAuthTokens };
  };

  /** The stored pair, when someone already replaced `stale` with it. */
  const rotatedBySomeone = (installation: Installation & { tokens: OAuthTokens }, stale: string): string | null => {
    if (installation.tokens.accessToken === stale) return null;
    cached = installation.tokens;
    return installation.tokens.accessToken;
  };

  const store = async (fresh: OAuthTokens, readVersion: number): Promise<void> => {
    const saved = await deps.installations.updateTokens(deps.installationId, fresh, readVersion);
    if (saved.ok) return;
    // Someone wrote tokens without the lease (a reinstall from the installer frame). Ours are the
    // newest the OAuth server issued for our grant, so store them over whatever is there.
    const latest = await load();
    const forced = await deps.installations.updateTokens(deps.installationId, fresh, latest.tokenVersion);
    if (!forced.ok) throw forced.error;
  };

  /** Spends the stored refresh token. Runs only while this manager holds the lease. */
  const exchangeUnderLease = async (stale: string): Promise<string> => {
    // Read again under the lease: the previous holder may have stored a new pair just now.
    let installation = await load();
    for (let attempt = 0; ; attempt += 1) {
      const theirs = rotatedBySomeone(installation, stale);
      if (theirs) return theirs;
      const spent = installation.tokens.refreshToken;
      let fresh: OAuthTokens;
      try {
        fresh = await deps.exchange(spent);
      } catch (error) {
        const reason = `token refresh failed: ${error instanceof Error ? error.message : String(error)}`;
        if (isGrantRefused(error)) {
          // A refused refresh first re-reads the stored pair: a process that ignored the lease (an
          // older version, a reinstall) may have rotated it. Retry with what is stored now.
          const latest = await load();
          if (latest.tokens.refreshToken !== spent && attempt < 2) {
            installation = latest;
            continue;
          }
          // The newest stored pair itself is refused: the grant is gone. An installation the CRM
          // uninstalled meanwhile stays deleted (amoCRM revokes the tokens as it sends its
          // disconnect hook, so a pass under way meets the refusal just as the hook is applied):
          // the write is conditional in the store, since the hook may land after any read of ours.
          if (await deps.installations.setStatus(deps.installationId, 'blocked', reason, { from: statusesBefore('blocked') })) {
            deps.logger.error('installation blocked: the CRM refused the newest stored refresh token', { installationId: deps.installationId, error });
          }
        }
        // Anything else (our client credentials refused, a network failure, a malformed answer)
        // is not this installation's fault: report it, block nothing.
        throw new KamError('TOKEN_REFRESH_FAILED', reason, { cause: error, retryable: error instanceof KamError && error.retryable });
      }
      await store(fresh, installation.tokenVersion);
      cached = fresh;
      deps.logger.info('tokens refreshed', { installationId: deps.installationId });
      return fresh.accessToken;
    }
  };

  const doRefresh = async (stale: string): Promise<string> => {
    const deadline = Date.now() + leaseTtlMs + leasePollMs;
    for (;;) {
      const theirs = rotatedBySomeone(await load(), stale);
      if (theirs) return theirs;
      if (await deps.installations.acquireTokenLease(deps.installationId, owner, leaseTtlMs)) {
        try {
          return await exchangeUnderLease(stale);
        } finally {
          await deps.installations.releaseTokenLease(deps.installationId, owner).catch((error: unknown) => {
            deps.logger.warn('token lease not released; it expires by itself', { installationId: deps.installationId, error });
          });
        }
      }
      // Another process is refreshing: wait for its pair to appear (or its lease to expire).
      if (Date.now() > deadline) {
        throw new KamError('TOKEN_REFRESH_FAILED', 'Another process holds the token refresh lease for too long', { retryable: true });
      }
      await sleep(leasePollMs);
    }
  };

  return {
    async accessToken() {
      // A refresh under way is awaited, so nobody sends a token that is being replaced.
      if (inflight) return inflight;
      if (!cached) cached = (await load()).tokens;
      return cached.accessToken;
    },
    refresh(stale) {
      if (!inflight) {
        inflight = doRefresh(stale).finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
  };
}
