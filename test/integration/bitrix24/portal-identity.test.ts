import { randomBytes } from 'node:crypto';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import { sameMember } from '../../../src/connectors/bitrix24/portal-identity';
import type { Storage } from '../../../src/core/ports/storage.port';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';
import { createStorage } from '../../../src/storage';

/**
 * Security 1 of issue 9, the proof: a portal's member_id is what Bitrix24's OAuth server says
 * the refresh token belongs to, never what the request claims. Two portals, B and C; the app runs
 * with B's OAuth server and credentials (as `kam serve` configured for B's app would).
 */
describe('portal identity from the OAuth answer', () => {
  let portalB: RunningBitrix24Sandbox;
  let portalC: RunningBitrix24Sandbox;
  let storage: Storage;
  beforeAll(async () => {
    [portalB, portalC] = await Promise.all([
      startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 3, contacts: 3, deals: 3, seed: 101 }),
      startBitrix24Sandbox({ port: 0, rateLimit: false, companies: 3, contacts: 3, deals: 3, seed: 202 }),
    ]);
    storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: randomBytes(32) });
  });
  afterAll(async () => {
    await Promise.all([portalB.close(), portalC.close(), storage.close()]);
  });

  const connectorFor = (portal: RunningBitrix24Sandbox, portalHosts: RegExp) =>
    createBitrix24Connector({
      settings: { clientId: String(portal.readyLine.clientId), clientSecret: String(portal.readyLine.clientSecret), oauthUrl: `${portal.url}/`, ratePerSecond: 50, burst: 50, portalHosts },
      storage,
      logger: createSilentLogger(),
    });

  it("names B's member_id and endpoint for B's refresh token, so a claim of C's member_id with it is refused", async () => {
    expect(portalB.readyLine.memberId).not.toBe(portalC.readyLine.memberId);
    const identity = await connectorFor(portalB, /^127\.0\.0\.1:\d+$/).identify(String(portalB.readyLine.refreshToken));
    expect(identity).toMatchObject({ memberId: portalB.readyLine.memberId, clientEndpoint: `${portalB.url}/rest/`, domain: new URL(portalB.url).host, userId: '1' });
    expect(identity.tokens.refreshToken).not.toBe(portalB.readyLine.refreshToken);
    expect(sameMember(String(portalB.readyLine.memberId), identity)).toBe(true);
    expect(sameMember(String(portalC.readyLine.memberId), identity)).toBe(false);
    expect(sameMember('', identity)).toBe(false);
  });

  it("refuses C's refresh token at B's OAuth server, and a portal address outside the allowed hosts", async () => {
    await expect(connectorFor(portalB, /^127\.0\.0\.1:\d+$/).identify(String(portalC.readyLine.refreshToken))).rejects.toMatchObject({ details: { vendorCode: 'invalid_grant' } });
    await expect(connectorFor(portalC, /^[a-z0-9-]+\.bitrix24\.ru$/).identify(String(portalC.readyLine.refreshToken))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
