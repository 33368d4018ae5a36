import type { Installation } from '../../../src/core/ports/installation-store.port';
import { createPageTokens } from '../../../src/http/page-tokens';

describe('signed page tokens (amoCRM advanced settings page)', () => {
  const installation = { id: 'amo-1', status: 'active' } as Installation;
  let clock = Date.parse('2026-11-27T18:00:00Z');
  const tokens = createPageTokens({ secret: Buffer.alloc(32, 7), findInstallation: async (id) => (id === 'amo-1' ? installation : null), ttlSeconds: 600, now: () => clock });
  const checks = tokens.checks();

  it('gives back the installation, the user and the admin flag of a token it issued', async () => {
    const result = await checks.verifyToken(tokens.issue({ installationId: 'amo-1', userId: '5', isAdmin: true }));
    expect(result).toEqual({ ok: true, value: { installation, isAdmin: true, userId: '5' } });
  });

  it('refuses a token whose claims were changed, one signed with another secret, and garbage', async () => {
    const token = tokens.issue({ installationId: 'amo-1', userId: '5', isAdmin: false });
    const [body, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, a: true })).toString('base64url')}.${signature}`;
    const other = createPageTokens({ secret: Buffer.alloc(32, 8), findInstallation: async () => installation, now: () => clock });
    for (const bad of [forged, other.issue({ installationId: 'amo-1', userId: '5', isAdmin: true }), 'x', '']) {
      const result = await checks.verifyToken(bad);
      expect(result.ok).toBe(false);
    }
  });

  it('refuses an expired token with a message that says what to do', async () => {
    const token = tokens.issue({ installationId: 'amo-1', userId: '5', isAdmin: true });
    clock += 601_000;
    const result = await checks.verifyToken(token);
    expect(result.ok ? null : result.error.message).toBe('The page token has expired; open the page from amoCRM again');
  });
});
