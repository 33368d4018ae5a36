import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import qs from 'qs';
import { checkInstallState, issueInstallState, langOfHost } from '../../../src/connectors/amocrm/amocrm-edge';
import { verifyDisconnect, verifyWebhook, verifyWidgetToken, webhookMarks } from '../../../src/connectors/amocrm/amocrm-inbound';
import { secretHash } from '../../../src/connectors/amocrm/amocrm-setup';
import type { Installation } from '../../../src/core/ports/installation-store.port';

const SECRET = 'integration-secret';
const CLIENT_ID = '2b9c5f3e-aaaa-4bbb-8ccc-0123456789ab';
const REDIRECT = 'https://kam.example.com/amocrm/oauth';

const installation = (over: Partial<Installation> = {}): Installation => ({
  id: 'inst-1', crm: 'amocrm', externalId: '30000011', domain: 'acme.amocrm.ru', clientEndpoint: 'https://acme.amocrm.ru',
  serverEndpoint: null, applicationToken: 'hook-secret-0123456789', tokens: null, tokenVersion: 1, status: 'active', statusReason: null,
  settings: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...over,
});

/** A delivery as amo form-encodes it: a company update under contacts[...] with type=company, a lead delete. */
const FORM = qs.parse([
  'contacts[update][0][id]=12', 'contacts[update][0][type]=company', 'contacts[update][0][last_modified]=1719000000',
  'contacts[add][0][id]=44', 'contacts[add][0][type]=contact',
  'leads[status][0][id]=7', 'leads[status][0][old_status_id]=40001', 'leads[delete][0][id]=8', 'leads[update][0][id]=8',
  'account[subdomain]=acme', 'account[id]=30000011', 'account[_links][self]=https://acme.amocrm.ru',
].join('&')) as Record<string, unknown>;

describe('amoCRM webhooks', () => {
  it('turns a legacy form into dirty marks: companies under contacts, a delete winning over an update', () => {
    const marks = webhookMarks(FORM);
    expect(marks.ok && marks.value.sort((a, b) => a.crmId.localeCompare(b.crmId))).toEqual([
      { kind: 'company', crmId: '12', action: 'upsert' },
      { kind: 'contact', crmId: '44', action: 'upsert' },
      { kind: 'deal', crmId: '7', action: 'upsert' },
      { kind: 'deal', crmId: '8', action: 'delete' },
    ]);
  });

  it('accepts the right secret and account, refuses a wrong secret, another account or an unknown installation', () => {
    expect(verifyWebhook({ installation: installation(), secret: 'hook-secret-0123456789', form: FORM }).ok).toBe(true);
    const wrongSecret = verifyWebhook({ installation: installation(), secret: 'hook-secret-0123456788', form: FORM });
    expect(wrongSecret.ok ? null : wrongSecret.error.status).toBe(401);
    const other = verifyWebhook({ installation: installation(), secret: 'hook-secret-0123456789', form: { ...FORM, account: { id: '99' } } });
    expect(other.ok ? null : other.error.message).toMatch(/another account/);
    expect(verifyWebhook({ installation: null, secret: 'x', form: FORM }).ok).toBe(false);
    expect(verifyWebhook({ installation: installation({ status: 'deleted' }), secret: 'hook-secret-0123456789', form: FORM }).ok).toBe(false);
  });

  it.each([
    ['leads[update][0][id]=abc', 'leads[update][0][id]'],
    ['contacts[add][0][id]=12a&contacts[add][0][type]=company', 'contacts[add][0][id]'],
    ['companies[delete][0][name]=no-id', 'companies[delete][0][id]'],
    ['leads[status][0][id]=-3', 'leads[status][0][id]'],
    ['leads[update][0][id][]=1', 'leads[update][0][id]'],
    ['leads[update]=7', 'leads[update][0][id]'],
  ])('refuses an authenticated delivery with a malformed id (%s) as INPUT_INVALID naming the field, and marks nothing of it', (entry, field) => {
    const form = qs.parse(`companies[update][0][id]=5&${entry}&account[id]=30000011`) as Record<string, unknown>;
    const verified = verifyWebhook({ installation: installation(), secret: 'hook-secret-0123456789', form });
    expect(verified.ok).toBe(false);
    if (verified.ok) return;
    expect([verified.error.code, verified.error.status]).toEqual(['INPUT_INVALID', 400]);
    expect(verified.error.message).toContain(field);
    // A stranger gets 401 for the same form: the form is only judged once the sender is proven.
    const stranger = verifyWebhook({ installation: installation(), secret: 'wrong', form });
    expect(stranger.ok ? null : stranger.error.status).toBe(401);
  });

  it('still skips what it does not read: notes, tasks, other actions, other sections', () => {
    const form = qs.parse('leads[note][0][note][element_id]=x&task[add][0][id]=abc&unsorted[add][0][uid]=u-1&leads[update][0][id]=9&account[id]=30000011') as Record<string, unknown>;
    expect(webhookMarks(form)).toEqual({ ok: true, value: [{ kind: 'deal', crmId: '9', action: 'upsert' }] });
  });

  it('falls back to the slot hash when no sealed secret is stored', () => {
    const hashed = installation({ applicationToken: null, settings: { amocrm: { webhook: { id: 1, secretHash: secretHash('s3cret-value') } } } });
    expect(verifyWebhook({ installation: hashed, secret: 's3cret-value', form: FORM }).ok).toBe(true);
    expect(verifyWebhook({ installation: hashed, secret: 's3cret-valuE', form: FORM }).ok).toBe(false);
  });
});

describe('amoCRM disconnect hook', () => {
  const credentials = { clientId: CLIENT_ID, clientSecret: SECRET };
  const sign = (accountId: string) => createHmac('sha256', SECRET).update(`${CLIENT_ID}|${accountId}`).digest('hex');

  it('accepts the HMAC of "client_id|account_id" and refuses anything else', () => {
    expect(verifyDisconnect({ account_id: '30000011', client_uuid: CLIENT_ID, signature: sign('30000011') }, credentials)).toEqual({ ok: true, value: { accountId: '30000011' } });
    expect(verifyDisconnect({ account_id: '30000012', client_uuid: CLIENT_ID, signature: sign('30000011') }, credentials).ok).toBe(false);
    expect(verifyDisconnect({ account_id: '30000011', client_uuid: 'other', signature: sign('30000011') }, credentials).ok).toBe(false);
    const missing = verifyDisconnect({ account_id: '30000011' }, credentials);
    expect(missing.ok ? null : missing.error.code).toBe('INPUT_INVALID');
  });
});

describe('amoCRM widget token', () => {
  const nowSec = Math.floor(Date.now() / 1000);
  const token = async (claims: Record<string, unknown> = {}, options: { secret?: string; iss?: string; aud?: string; exp?: number } = {}) =>
    new SignJWT({ account_id: 30000011, user_id: 5, is_admin: true, client_uuid: CLIENT_ID, subdomain: 'acme', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(options.iss ?? 'https://acme.amocrm.ru').setAudience(options.aud ?? 'https://kam.example.com')
      .setIssuedAt(nowSec - 10).setNotBefore(nowSec - 10).setExpirationTime(options.exp ?? nowSec + 1800)
      .sign(new TextEncoder().encode(options.secret ?? SECRET));
  const deps = (found: Installation | null = installation()) => ({
    clientSecret: SECRET, redirectUri: REDIRECT,
    findInstallation: async (accountId: string) => (found && found.externalId === accountId ? found : null),
  });

  it('returns the installation, user and admin flag for a good token', async () => {
    expect(await verifyWidgetToken(await token(), deps())).toEqual({ ok: true, value: { installationId: 'inst-1', userId: '5', isAdmin: true } });
  });

  it.each([
    ['forged (another secret)', { secret: 'not-the-secret' }, {}],
    ['expired', { exp: nowSec - 3600 }, {}],
    ['for another app (aud)', { aud: 'https://other.example' }, {}],
    ['issued by another account', { iss: 'https://other.amocrm.ru' }, {}],
    ['for another account id', {}, { account_id: 30000099 }],
  ])('answers 401 for a token %s', async (_name, options, claims) => {
    const result = await verifyWidgetToken(await token(claims, options), deps());
    expect(result.ok ? null : result.error.status).toBe(401);
  });

  it('answers 401 for garbage and for an inactive installation', async () => {
    expect((await verifyWidgetToken('not.a.jwt', deps())).ok).toBe(false);
    expect((await verifyWidgetToken(await token(), deps(installation({ status: 'blocked' })))).ok).toBe(false);
  });
});

describe('amoCRM install state', () => {
  it('accepts a state we issued within the hour, refuses a tampered, foreign or stale one', () => {
    const now = Date.parse('2026-06-01T10:00:00Z');
    const state = issueInstallState(SECRET, now);
    expect(checkInstallState(state, SECRET, now + 60_000)).toBe(true);
    expect(checkInstallState(state, 'other-secret', now + 60_000)).toBe(false);
    expect(checkInstallState(`${state}x`, SECRET, now + 60_000)).toBe(false);
    expect(checkInstallState(state, SECRET, now + 2 * 3_600_000)).toBe(false);
    expect(checkInstallState('plain', SECRET, now)).toBe(false);
  });

  it('guesses the installation language from the account host', () => {
    expect(langOfHost('acme.amocrm.ru')).toBe('ru');
    expect(langOfHost('acme.kommo.com')).toBe('en');
    expect(langOfHost('127.0.0.1:8080')).toBeNull();
  });
});
