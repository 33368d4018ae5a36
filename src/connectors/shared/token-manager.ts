import { KamError } from '../../core/errors';
import type { InstallationStore, OAuthTokens } from '../../core/ports/installation-store.port';
import type { Logger } from '../../logging/logger';

/**
 * The one owner of an installation's tokens in this process (STYLE.md rule 5). A refresh is
 * single-flight; the new pair is persisted before anyone uses it, because both CRMs rotate
 * refresh tokens and a lost rotation means a forced reinstall.
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
}

export function createTokenManager(deps: TokenManagerDeps): TokenManager {
  let cached: OAuthTokens | null = null;
  let inflight: Promise<string> | null = null;

  const load = async () => {
    const installation = await deps.installations.get(deps.installationId);
    if (!installation) throw new KamError('NOT_FOUND', `Installation ${deps.installationId} is gone`);
    if (!installation.tokens) throw new KamError('UNAUTHORIZED', 'The installation has no tokens yet; reinstall the app');
    if (installation.status === 'blocked') throw new KamError('TOKEN_REFRESH_FAILED', `The installation is blocked: ${installation.statusReason ?? 'tokens are no longer valid'}`);
    return installation;
  };

  const doRefresh = async (stale: string): Promise<string> => {
    const installation = await load();
    const stored = installation.tokens as OAuthTokens;
    if (stored.accessToken !== stale) {
      // Another worker rotated the pair already: use theirs, never spend the refresh token twice.
      cached = stored;
      return stored.accessToken;
    }
    let fresh: OAuthTokens;
    try {
      fresh = await deps.exchange(stored.refreshToken);
    } catch (error) {
      const reason = `token refresh failed: ${error instanceof Error ? error.message : String(error)}`;
      if (isGrantRefused(error)) {
        // Someone else (another process) may have spent this refresh token a moment ago and
        // stored the pair it got: that is not a dead grant.
        const latest = await load();
        if (latest.tokenVersion !== installation.tokenVersion && latest.tokens) {
          cached = latest.tokens;
          return latest.tokens.accessToken;
        }
        await deps.installations.setStatus(deps.installationId, 'blocked', reason);
        deps.logger.error('installation blocked: the CRM refused the refresh token', { installationId: deps.installationId, error });
      }
      // Anything else (our client credentials refused, a network failure, a malformed answer)
      // is not this installation's fault: report it, block nothing.
      throw new KamError('TOKEN_REFRESH_FAILED', reason, { cause: error, retryable: error instanceof KamError && error.retryable });
    }
    const saved = await deps.installations.updateTokens(deps.installationId, fresh, installation.tokenVersion);
    if (!saved.ok) {
      // Someone wrote tokens between our read and write. Ours are the newest the OAuth server
      // issued (a refresh token works once), so store them over whatever is there.
      const latest = await load();
      const forced = await deps.installations.updateTokens(deps.installationId, fresh, latest.tokenVersion);
      if (!forced.ok) throw forced.error;
    }
    cached = fresh;
    deps.logger.info('tokens refreshed', { installationId: deps.installationId });
    return fresh.accessToken;
  };

  return {
    async accessToken() {
      // A refresh under way is awaited, so nobody sends a token that is being replaced.
      if (inflight) return inflight;
      if (!cached) cached = (await load()).tokens as OAuthTokens;
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
