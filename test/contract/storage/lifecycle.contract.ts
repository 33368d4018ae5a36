import { randomBytes } from 'node:crypto';
import { rejection, tokens, type ContractContext } from './contract-context';

export function lifecycleContract(ctx: ContractContext): void {
  const raw = ctx.withRawDb;
  const itRaw = raw ? it : it.skip;

  it('is migrated after start, and a second start applies nothing and keeps the data', async () => {
    const status = await ctx.storage().migrationStatus();
    expect(status).toEqual({ current: true, applied: expect.arrayContaining(['0001_initial']), pending: [] });
    const inst = await ctx.installation({ tokens: tokens('restart') });
    const again = await ctx.factory();
    try {
      expect(await again.migrationStatus()).toEqual(status);
      expect((await again.installations.get(inst.id))?.tokens).toEqual(inst.tokens);
    } finally {
      await again.close();
    }
  });

  it('refuses to start with another encryption key, and reads the tokens back with the right one', async () => {
    const inst = await ctx.installation({ tokens: tokens('key'), applicationToken: 'app-key' });
    const error = await rejection(ctx.factory({ encryptionKey: randomBytes(32) }));
    expect(error.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(error.message).toMatch(/KAM_ENCRYPTION_KEY/);
    const right = await ctx.factory();
    try {
      expect(await right.installations.get(inst.id)).toMatchObject({ tokens: inst.tokens, applicationToken: 'app-key' });
    } finally {
      await right.close();
    }
  });

  itRaw('stores tokens sealed: the raw row never holds the plaintext', async () => {
    const t = tokens('raw');
    const a = await ctx.installation({ tokens: t, applicationToken: 'app-plain-secret' });
    const b = await ctx.installation({ tokens: t });
    const rows = await raw!((db) => db.selectFrom('installations').selectAll().where('id', 'in', [a.id, b.id]).orderBy('created_at').execute());
    const text = JSON.stringify(rows);
    for (const secret of [t.accessToken, t.refreshToken, 'app-plain-secret']) expect(text).not.toContain(secret);
    const rowA = rows.find((r) => r.id === a.id)!;
    const rowB = rows.find((r) => r.id === b.id)!;
    expect(rowA.access_token_enc).toMatch(/^v1:/);
    // A fresh IV per value: the same token never seals to the same text.
    expect(rowA.access_token_enc).not.toBe(rowB.access_token_enc);
  });

  itRaw('fails with ENCRYPTION_KEY_MISMATCH on an altered or transplanted secret, never garbage', async () => {
    const victim = await ctx.installation({ tokens: tokens('victim') });
    const other = await ctx.installation({ tokens: tokens('other') });
    await raw!(async (db) => {
      const row = await db.selectFrom('installations').select('access_token_enc').where('id', '=', victim.id).executeTakeFirstOrThrow();
      const bytes = Buffer.from(row.access_token_enc!.slice(3), 'base64');
      bytes[bytes.length - 1]! ^= 0x01;
      await db.updateTable('installations').set({ access_token_enc: `v1:${bytes.toString('base64')}` }).where('id', '=', victim.id).execute();
      // A valid sealed value from another installation must not open here either.
      const donor = await db.selectFrom('installations').select('refresh_token_enc').where('id', '=', other.id).executeTakeFirstOrThrow();
      await db.updateTable('installations').set({ refresh_token_enc: donor.refresh_token_enc }).where('id', '=', victim.id).execute();
    });
    expect((await rejection(ctx.storage().installations.get(victim.id))).code).toBe('ENCRYPTION_KEY_MISMATCH');
    // The fan-out over list() goes on: the unreadable one is listed as blocked, without secrets.
    const listed = await ctx.storage().installations.list();
    expect(listed.find((i) => i.id === other.id)?.tokens).toEqual(other.tokens);
    expect(listed.find((i) => i.id === victim.id)).toMatchObject({ status: 'blocked', tokens: null, statusReason: expect.stringMatching(/^ENCRYPTION_KEY_MISMATCH/) });
    await ctx.storage().installations.updateTokens(victim.id, tokens('repaired'), victim.tokenVersion);
    expect((await ctx.storage().installations.get(victim.id))?.tokenVersion).toBe(victim.tokenVersion + 1);
  });
}
