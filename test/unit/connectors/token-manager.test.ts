import { KamError, fail, ok, type Result } from '../../../src/core/errors';
import type { Installation, InstallationInput, InstallationStatus, InstallationStore, OAuthTokens, StatusCondition } from '../../../src/core/ports/installation-store.port';
import { createTokenManager } from '../../../src/connectors/shared/token-manager';
import { createSilentLogger } from '../../../src/logging/logger';

/** An in-memory InstallationStore with real compare-and-swap on tokenVersion, and a call log. */
class MemoryInstallations implements InstallationStore {
  readonly log: string[] = [];
  /** Runs inside updateTokens before the write (to hold it open or to race it). */
  beforeTokenWrite: (() => Promise<void>) | null = null;
  private rows = new Map<string, Installation>();

  constructor(initial: Installation) {
    this.rows.set(initial.id, structuredClone(initial));
  }

  row(id = 'inst-1'): Installation {
    return structuredClone(this.rows.get(id) as Installation);
  }

  /** Another process rotating the pair (bumps the version, as a real store would). */
  writeBehindOurBack(tokens: OAuthTokens, id = 'inst-1'): void {
    const row = this.rows.get(id) as Installation;
    this.rows.set(id, { ...row, tokens, tokenVersion: row.tokenVersion + 1 });
  }

  async upsert(input: InstallationInput): Promise<Installation> {
    throw new Error(`not used by the token manager: upsert ${input.externalId}`);
  }

  async get(id: string): Promise<Installation | null> {
    this.log.push('get');
    const row = this.rows.get(id);
    return row ? structuredClone(row) : null;
  }

  async findByExternalId(): Promise<Installation | null> {
    return null;
  }

  async findVerified(): Promise<Installation | null> {
    throw new Error('not used by the token manager: findVerified');
  }

  async list(): Promise<Installation[]> {
    return [...this.rows.values()];
  }

  async updateTokens(id: string, tokens: OAuthTokens, expectedVersion: number): Promise<Result<Installation>> {
    this.log.push(`updateTokens(v${expectedVersion})`);
    if (this.beforeTokenWrite) await this.beforeTokenWrite();
    const row = this.rows.get(id);
    if (!row) return fail(new KamError('NOT_FOUND', id));
    if (row.tokenVersion !== expectedVersion) return fail(new KamError('CONFLICT', `version ${row.tokenVersion} != ${expectedVersion}`));
    const next = { ...row, tokens, tokenVersion: row.tokenVersion + 1 };
    this.rows.set(id, next);
    this.log.push('tokens stored');
    return ok(structuredClone(next));
  }

  leaseHolder: string | null = null;

  async acquireTokenLease(_id: string, owner: string): Promise<boolean> {
    if (this.leaseHolder !== null && this.leaseHolder !== owner) return false;
    this.leaseHolder = owner;
    return true;
  }

  async releaseTokenLease(_id: string, owner: string): Promise<void> {
    if (this.leaseHolder === owner) this.leaseHolder = null;
  }

  async setApplicationToken(): Promise<void> {}

  /** Runs inside setStatus before its conditional write (to race it). */
  beforeStatusWrite: (() => Promise<void>) | null = null;

  async setStatus(id: string, status: InstallationStatus, reason?: string | null, options: StatusCondition = {}): Promise<boolean> {
    this.log.push(`setStatus(${status})`);
    const hook = this.beforeStatusWrite;
    this.beforeStatusWrite = null;
    if (hook) await hook();
    const row = this.rows.get(id) as Installation;
    // As the stores do: the condition is checked on the row as it is written.
    if (options.from && !options.from.includes(row.status)) return false;
    this.rows.set(id, { ...row, status, statusReason: reason ?? null });
    return true;
  }

  async updateSettings(): Promise<void> {}

  async purge(id: string): Promise<void> {
    this.rows.delete(id);
  }
}

const pair = (name: string): OAuthTokens => ({ accessToken: `access-${name}`, refreshToken: `refresh-${name}`, expiresAt: '2026-01-01T01:00:00Z' });

const installation = (overrides: Partial<Installation> = {}): Installation => ({
  id: 'inst-1',
  crm: 'bitrix24',
  externalId: 'member-1',
  domain: 'acme.bitrix24.ru',
  clientEndpoint: 'https://acme.bitrix24.ru/rest/',
  serverEndpoint: 'https://oauth.bitrix.info/rest/',
  applicationToken: 'app-token',
  tokens: pair('old'),
  tokenVersion: 3,
  status: 'active',
  statusReason: null,
  settings: {},
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...overrides,
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(initial = installation()) {
  const installations = new MemoryInstallations(initial);
  const exchange = jest.fn<Promise<OAuthTokens>, [string]>();
  const manager = createTokenManager({ installationId: 'inst-1', installations, exchange, logger: createSilentLogger() });
  return { installations, exchange, manager };
}

describe('token manager', () => {
  it('hands out the stored access token', async () => {
    const { manager, exchange } = setup();
    await expect(manager.accessToken()).resolves.toBe('access-old');
    expect(exchange).not.toHaveBeenCalled();
  });

  it('makes ONE exchange for concurrent refreshes of the same stale token, and all get the new token', async () => {
    const { manager, exchange, installations } = setup();
    const issued = deferred<OAuthTokens>();
    exchange.mockReturnValue(issued.promise);
    const refreshes = Array.from({ length: 10 }, () => manager.refresh('access-old'));
    await settle();
    issued.resolve(pair('new'));
    await expect(Promise.all(refreshes)).resolves.toEqual(Array(10).fill('access-new'));
    expect(exchange).toHaveBeenCalledTimes(1);
    expect(exchange).toHaveBeenCalledWith('refresh-old');
    expect(installations.row().tokens).toEqual(pair('new'));
    await expect(manager.accessToken()).resolves.toBe('access-new');
  });

  it('makes accessToken() wait for a refresh under way, so nobody sends the token being replaced', async () => {
    const { manager, exchange } = setup();
    await manager.accessToken();
    const issued = deferred<OAuthTokens>();
    exchange.mockReturnValue(issued.promise);
    const refreshing = manager.refresh('access-old');
    let seen: string | null = null;
    const asking = manager.accessToken().then((token) => {
      seen = token;
    });
    await settle();
    expect(seen).toBeNull();
    issued.resolve(pair('new'));
    await Promise.all([refreshing, asking]);
    expect(seen).toBe('access-new');
  });

  it('persists the new pair before refresh resolves', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockResolvedValue(pair('new'));
    const write = deferred<void>();
    installations.beforeTokenWrite = () => write.promise;
    let resolved = false;
    const refreshing = manager.refresh('access-old').then((token) => {
      resolved = true;
      installations.log.push('refresh resolved');
      return token;
    });
    await settle();
    expect(resolved).toBe(false); // still waiting for the store
    write.resolve();
    await expect(refreshing).resolves.toBe('access-new');
    expect(installations.log.indexOf('tokens stored')).toBeGreaterThanOrEqual(0);
    expect(installations.log.indexOf('tokens stored')).toBeLessThan(installations.log.indexOf('refresh resolved'));
    expect(installations.row()).toMatchObject({ tokens: pair('new'), tokenVersion: 4 });
  });

  it('does not exchange when another worker already rotated the pair (stored token != stale)', async () => {
    const { manager, exchange, installations } = setup();
    await manager.accessToken(); // caches access-old
    installations.writeBehindOurBack(pair('theirs'));
    await expect(manager.refresh('access-old')).resolves.toBe('access-theirs');
    expect(exchange).not.toHaveBeenCalled();
    await expect(manager.accessToken()).resolves.toBe('access-theirs');
  });

  it('a late caller with the already-replaced token gets the fresh one without a second exchange', async () => {
    const { manager, exchange } = setup();
    exchange.mockResolvedValue(pair('new'));
    await manager.refresh('access-old');
    await expect(manager.refresh('access-old')).resolves.toBe('access-new');
    expect(exchange).toHaveBeenCalledTimes(1);
  });

  it('leaves an installation the CRM uninstalled meanwhile deleted when its refresh token is refused', async () => {
    const { manager, exchange, installations } = setup();
    const refused = deferred<OAuthTokens>();
    exchange.mockReturnValue(refused.promise);
    const refresh = manager.refresh('access-old').catch((caught: unknown) => caught);
    // The disconnect hook is applied while the exchange is on its way; then the CRM refuses the token.
    await installations.setStatus('inst-1', 'deleted', 'uninstalled from the CRM');
    refused.reject(new KamError('TOKEN_REFRESH_FAILED', 'amoCRM OAuth (refresh_token): Token has been revoked', { details: { vendorCode: 'invalid_grant' } }));
    expect(await refresh).toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
    expect(installations.row()).toMatchObject({ status: 'deleted', statusReason: 'uninstalled from the CRM' });
  });

  it('leaves the installation deleted when the uninstall lands after the refusal was read and before the block is written', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockRejectedValue(new KamError('TOKEN_REFRESH_FAILED', 'amoCRM OAuth (refresh_token): Token has been revoked', { details: { vendorCode: 'invalid_grant' } }));
    // Every read the manager makes still says active; the hook is applied just before its write.
    installations.beforeStatusWrite = () => installations.setStatus('inst-1', 'deleted', 'uninstalled from the CRM').then(() => undefined);
    expect(await manager.refresh('access-old').catch((caught: unknown) => caught)).toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
    expect(installations.row()).toMatchObject({ status: 'deleted', statusReason: 'uninstalled from the CRM' });
    expect(installations.log.filter((entry) => entry.startsWith('setStatus'))).toEqual(['setStatus(blocked)', 'setStatus(deleted)']);
  });

  it('blocks the installation and rejects with TOKEN_REFRESH_FAILED when the CRM refuses the refresh token', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockRejectedValue(new KamError('TOKEN_REFRESH_FAILED', 'Bitrix24 oauth/token: invalid_grant (refresh token expired)', { details: { vendorCode: 'invalid_grant' } }));
    const error = await manager.refresh('access-old').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KamError);
    expect(error).toMatchObject({ code: 'TOKEN_REFRESH_FAILED', retryable: false });
    const row = installations.row();
    expect(row.status).toBe('blocked');
    expect(row.statusReason).toContain('invalid_grant');
    expect(row.tokens).toEqual(pair('old'));
    // Blocked is sticky: the next refresh does not spend anything either.
    await expect(manager.refresh('access-old')).rejects.toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
    expect(exchange).toHaveBeenCalledTimes(1);
  });

  it('does not block on a failure that is not a refused grant (our client credentials refused, a malformed answer)', async () => {
    const { manager, exchange, installations } = setup();
    exchange
      .mockRejectedValueOnce(new KamError('TOKEN_REFRESH_FAILED', 'Bitrix24 oauth/token: invalid_client', { details: { vendorCode: 'invalid_client' } }))
      .mockRejectedValueOnce(new Error('boom'));
    await expect(manager.refresh('access-old')).rejects.toMatchObject({ code: 'TOKEN_REFRESH_FAILED', retryable: false });
    await expect(manager.refresh('access-old')).rejects.toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
    expect(installations.row().status).toBe('active');
  });

  it('uses the pair another process stored when its own refresh token was refused as already spent', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockImplementation(async () => {
      // The other process wins the race: it rotates and stores first; our attempt is refused.
      const row = installations.row();
      await installations.updateTokens(row.id, pair('theirs'), row.tokenVersion);
      throw new KamError('TOKEN_REFRESH_FAILED', 'Bitrix24 oauth/token: invalid_grant', { details: { vendorCode: 'invalid_grant' } });
    });
    await expect(manager.refresh('access-old')).resolves.toBe('access-theirs');
    expect(installations.row().status).toBe('active');
  });

  it('does not block on a retryable exchange failure (network), and a later refresh can succeed', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockRejectedValueOnce(new KamError('NETWORK', 'ECONNRESET')).mockResolvedValueOnce(pair('new'));
    await expect(manager.refresh('access-old')).rejects.toMatchObject({ code: 'TOKEN_REFRESH_FAILED', retryable: true });
    expect(installations.row().status).toBe('active');
    await expect(manager.refresh('access-old')).resolves.toBe('access-new');
  });

  it('still stores the fresh pair when the compare-and-swap write loses a race', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockImplementation(async () => {
      // Someone writes tokens between our read (v3) and our write.
      installations.writeBehindOurBack(pair('racer'));
      return pair('new');
    });
    await expect(manager.refresh('access-old')).resolves.toBe('access-new');
    expect(installations.row()).toMatchObject({ tokens: pair('new'), tokenVersion: 5 });
    expect(installations.log.filter((entry) => entry.startsWith('updateTokens'))).toEqual(['updateTokens(v3)', 'updateTokens(v4)']);
    expect(exchange).toHaveBeenCalledTimes(1);
  });

  it('while another process holds the refresh lease, waits for the pair it stores instead of exchanging', async () => {
    const { installations, exchange } = setup();
    installations.leaseHolder = 'other-process';
    let looks = 0;
    const manager = createTokenManager({
      installationId: 'inst-1', installations, exchange, logger: createSilentLogger(), leasePollMs: 1,
      sleep: async () => {
        looks += 1;
        // The other process finishes on its third look: it stores its pair and lets go.
        if (looks === 3) {
          installations.writeBehindOurBack(pair('theirs'));
          installations.leaseHolder = null;
        }
      },
    });
    await expect(manager.refresh('access-old')).resolves.toBe('access-theirs');
    expect(exchange).not.toHaveBeenCalled();
    expect(looks).toBe(3);
  });

  it('releases the lease after its own refresh, also when the exchange failed', async () => {
    const { manager, exchange, installations } = setup();
    exchange.mockRejectedValueOnce(new KamError('NETWORK', 'ECONNRESET')).mockResolvedValueOnce(pair('new'));
    await expect(manager.refresh('access-old')).rejects.toMatchObject({ code: 'TOKEN_REFRESH_FAILED' });
    expect(installations.leaseHolder).toBeNull();
    await expect(manager.refresh('access-old')).resolves.toBe('access-new');
    expect(installations.leaseHolder).toBeNull();
  });

  it('rejects with NOT_FOUND / UNAUTHORIZED when the installation is gone or has no tokens', async () => {
    const gone = setup();
    await gone.installations.purge('inst-1');
    await expect(gone.manager.accessToken()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const empty = setup(installation({ tokens: null }));
    await expect(empty.manager.refresh('x')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(empty.exchange).not.toHaveBeenCalled();
  });
});
