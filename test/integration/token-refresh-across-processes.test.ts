import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KamError } from '../../src/core/errors';
import type { OAuthTokens } from '../../src/core/ports/installation-store.port';
import type { Storage } from '../../src/core/ports/storage.port';
import { createTokenManager, type TokenManager } from '../../src/connectors/shared/token-manager';
import { createSilentLogger } from '../../src/logging/logger';
import { createStorage } from '../../src/storage';

/**
 * Reliability 1 of issue 9: two processes on one database, short-lived tokens, an OAuth server
 * that answers 0-150 ms late. The OAuth server rotates at once and answers later, which is how a
 * loser of a refresh race used to see "invalid_grant" before the winner's pair was stored, and
 * blocked a healthy installation. Here every "process" has its own storage handle on one file.
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const latency = () => Math.floor(Math.random() * 150);

function createOAuthAuthority(accessTtlMs: number) {
  let serial = 0;
  let currentRefresh = '';
  const accessExpiry = new Map<string, number>();
  const spent = new Set<string>();
  const stats = { exchanges: 0, refused: 0, spentTokenUsed: 0 };
  const issue = (): OAuthTokens => {
    serial += 1;
    const pair = { accessToken: `access-${serial}`, refreshToken: `refresh-${serial}`, expiresAt: new Date(Date.now() + accessTtlMs).toISOString() };
    accessExpiry.set(pair.accessToken, Date.now() + accessTtlMs);
    currentRefresh = pair.refreshToken;
    return pair;
  };
  return {
    stats,
    issue,
    current: () => currentRefresh,
    accepts: (accessToken: string) => (accessExpiry.get(accessToken) ?? 0) > Date.now(),
    async exchange(refreshToken: string): Promise<OAuthTokens> {
      await sleep(latency());
      stats.exchanges += 1;
      if (refreshToken !== currentRefresh) {
        stats.refused += 1;
        if (spent.has(refreshToken)) stats.spentTokenUsed += 1;
        throw new KamError('TOKEN_REFRESH_FAILED', 'oauth/token: invalid_grant', { details: { vendorCode: 'invalid_grant' } });
      }
      spent.add(refreshToken);
      const pair = issue();
      // Rotated already; the answer travels back late.
      await sleep(latency());
      return pair;
    },
  };
}

describe('token refresh across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kam-token-race-'));
  const file = join(dir, 'kam.sqlite');
  const key = randomBytes(32);
  const handles: Storage[] = [];
  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('two processes with short tokens and a slow OAuth server never block the installation nor spend a refresh token twice', async () => {
    const authority = createOAuthAuthority(250);
    const processA = await createStorage({ sqliteFile: file, encryptionKey: key });
    const processB = await createStorage({ sqliteFile: file, encryptionKey: key });
    handles.push(processA, processB);
    const installation = await processA.installations.upsert({ crm: 'bitrix24', externalId: 'race', domain: 'race.bitrix24.ru', tokens: authority.issue(), status: 'active' });
    const manager = (storage: Storage): TokenManager =>
      createTokenManager({ installationId: installation.id, installations: storage.installations, exchange: (token) => authority.exchange(token), logger: createSilentLogger(), leasePollMs: 5 });
    // Two managers per process too: each is its own lease owner, like two workers.
    const managers = [manager(processA), manager(processA), manager(processB), manager(processB)];

    // Work goes on until the pair has rotated ROTATIONS times (bounded, so the test stops by
    // itself): how many rotations a fixed number of rounds brings depends on the machine's load.
    const ROTATIONS = 12;
    let calls = 0;
    let rounds = 0;
    const worker = async (tokens: TokenManager) => {
      for (let round = 0; round < 400 && authority.stats.exchanges < ROTATIONS; round += 1) {
        rounds += 1;
        let token = await tokens.accessToken();
        // A call refused as expired refreshes and retries, as the REST client does.
        for (let attempt = 0; !authority.accepts(token); attempt += 1) {
          if (attempt > 5) throw new Error(`no working token after ${attempt} refreshes`);
          token = await tokens.refresh(token);
        }
        calls += 1;
        await sleep(Math.floor(Math.random() * 60));
      }
    };
    await Promise.all(managers.map(worker));

    expect(calls).toBe(rounds);
    expect(authority.stats.refused).toBe(0);
    expect(authority.stats.spentTokenUsed).toBe(0);
    expect(authority.stats.exchanges).toBeGreaterThanOrEqual(ROTATIONS);
    const stored = await processB.installations.get(installation.id);
    expect(stored).toMatchObject({ status: 'active', statusReason: null });
    // The database holds the one refresh token the OAuth server would still accept.
    expect(stored?.tokens?.refreshToken).toBe(authority.current());
  }, 60_000);
});
