import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { KamError, fail, ok, type Result } from '../../core/errors';
import { queryFields } from '../../core/query-field';
import type { EntityKind } from '../../core/model/synced';
import type { Installation } from '../../core/ports/installation-store.port';
import type { DirtyMark } from '../../core/ports/sync-state-store.port';
import { secretsEqual } from '../shared/secrets-equal';
import { secretHash, type AmoSlot } from './amocrm-setup';

/**
 * What amoCRM sends us, verified and turned into what the app does with it. Every check
 * returns a result and never throws on bad input.
 * - Webhooks are not signed (https://www.amocrm.ru/developers/content/crm_platform/webhooks-format):
 *   the destination URL carries a per-installation secret, and `account[id]` must be the
 *   installation's account. The form uses the old v2 shape, `{entity:{action:[{id,...}]}}`,
 *   companies arriving under `contacts[...]` with `type=company`; only ids are trusted.
 * - The disconnect hook: GET with account_id, client_uuid and signature = hex
 *   HMAC-SHA256(client_secret, "{client_id}|{account_id}") (reference §1.5).
 * - The widget's disposable token: HS256 with the client secret; aud = scheme://host of our
 *   redirect URI, iss = the account URL (AmoCRMOAuth::parseDisposableToken, DisposableTokenModel).
 */
export { secretsEqual };

const unauthorized = (message: string) => fail(new KamError('UNAUTHORIZED', message));
const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : []);

const UPSERT_ACTIONS = ['add', 'update', 'restore', 'status', 'responsible'];

/**
 * The dirty marks a webhook form (already parsed with bracket nesting) asks for, or INPUT_INVALID
 * naming the first entry of a section we read (`leads`, `contacts`, `companies` with an action we
 * act on) whose id is not a positive integer: amo's ids are integers in every documented shape
 * (https://www.amocrm.ru/developers/content/crm_platform/webhooks-format), so such a delivery
 * comes from someone holding the secret, not from amo, and nothing of it is marked (issue 9,
 * security 5, as Bitrix24's malformed events). amo retries a non-2xx delivery a few times only and
 * disables a destination after 100 invalid answers in 2 h: a genuine account never gets there.
 */
export function webhookMarks(form: Record<string, unknown>): Result<DirtyMark[]> {
  const marks = new Map<string, DirtyMark>();
  const sections: Array<{ key: string; kind: (item: Record<string, unknown>) => EntityKind }> = [
    { key: 'leads', kind: () => 'deal' },
    { key: 'contacts', kind: (item) => (item.type === 'company' ? 'company' : 'contact') },
    { key: 'companies', kind: () => 'company' },
  ];
  for (const section of sections) {
    const body = form[section.key];
    if (!isRecord(body)) continue;
    for (const [action, items] of Object.entries(body)) {
      const kind = action === 'delete' ? 'delete' : UPSERT_ACTIONS.includes(action) ? 'upsert' : null;
      if (!kind) continue;
      for (const [index, item] of Object.entries(isRecord(items) || Array.isArray(items) ? items : { 0: items })) {
        const id = isRecord(item) && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id).trim() : '';
        if (!/^[1-9]\d{0,18}$/.test(id)) {
          return fail(new KamError('INPUT_INVALID', `Malformed amoCRM webhook: ${section.key}[${action}][${index.slice(0, 20)}][id] must be a numeric id`));
        }
        const entity = section.kind(item as Record<string, unknown>);
        const key = `${entity}:${id}`;
        // A delete wins over an update of the same entity in the same delivery.
        if (marks.get(key)?.action !== 'delete') marks.set(key, { kind: entity, crmId: id, action: kind });
      }
    }
  }
  return ok([...marks.values()]);
}

/**
 * Did our own app user make every change in this delivery (`modified_user_id`)? Then it is most
 * likely the echo of our own write.
 */
export function webhookByApp(form: Record<string, unknown>, appUserId: string | null): boolean {
  if (!appUserId) return false;
  const users: string[] = [];
  for (const key of ['leads', 'contacts', 'companies']) {
    const section = form[key];
    if (!isRecord(section)) continue;
    for (const items of Object.values(section)) {
      for (const item of listOf(items)) if (isRecord(item)) users.push(String(item.modified_user_id ?? ''));
    }
  }
  return users.length > 0 && users.every((user) => user === appUserId);
}

/**
 * The account id the webhook states (`account[id]`: one integer, beside `account[subdomain]`;
 * https://www.amocrm.ru/developers/content/crm_platform/webhooks-format): null when it states
 * none, INPUT_INVALID when it is anything but one numeric id (a list, a nested field, text):
 * `String(['123'])` would otherwise read as the account and `['1', '1']` as another one.
 */
export function webhookAccountId(form: Record<string, unknown>): Result<string | null> {
  const { account } = form;
  if (account === undefined || (isRecord(account) && account.id === undefined)) return ok(null);
  const id = isRecord(account) ? account.id : undefined;
  if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id.trim())) {
    return fail(new KamError('INPUT_INVALID', 'Malformed amoCRM webhook: account[id] must be given once, a numeric id'));
  }
  return ok(id.trim());
}

export function verifyWebhook(input: { installation: Installation | null; secret: string; form: Record<string, unknown> }): Result<{ installation: Installation; marks: DirtyMark[] }> {
  const { installation } = input;
  if (!installation || installation.crm !== 'amocrm' || installation.status === 'deleted') return unauthorized('Unknown installation');
  const slot = installation.settings.amocrm as Partial<AmoSlot> | undefined;
  const sealed = installation.applicationToken;
  // The secret is checked against the sealed copy; the slot's hash is the fallback.
  const secretOk = sealed ? secretsEqual(input.secret, sealed) : typeof slot?.webhook?.secretHash === 'string' && secretsEqual(secretHash(input.secret), slot.webhook.secretHash);
  if (!secretOk) return unauthorized('Wrong webhook secret');
  // Only once the secret is proven: a stranger learns nothing from the form checks.
  const accountId = webhookAccountId(input.form);
  if (!accountId.ok) return accountId;
  if (accountId.value === null || !secretsEqual(accountId.value, installation.externalId)) return unauthorized('The webhook is for another account');
  const marks = webhookMarks(input.form);
  return marks.ok ? ok({ installation, marks: marks.value }) : marks;
}

export function verifyDisconnect(query: Record<string, unknown>, credentials: { clientId: string; clientSecret: string }): Result<{ accountId: string }> {
  const fields = queryFields(query, ['account_id', 'signature', 'client_uuid', 'client_id']);
  if (!fields.ok) return fields;
  const accountId = fields.value.account_id;
  const clientUuid = fields.value.client_uuid || fields.value.client_id;
  const signature = fields.value.signature.toLowerCase();
  if (!/^\d+$/.test(accountId) || signature === '') return fail(new KamError('INPUT_INVALID', 'The disconnect hook needs account_id and signature'));
  if (clientUuid !== '' && !secretsEqual(clientUuid, credentials.clientId)) return unauthorized('The disconnect hook is for another integration');
  const expected = createHmac('sha256', credentials.clientSecret).update(`${credentials.clientId}|${accountId}`).digest('hex');
  if (!secretsEqual(signature, expected)) return unauthorized('Wrong disconnect signature');
  return ok({ accountId });
}

export interface WidgetIdentity {
  installationId: string;
  userId: string;
  isAdmin: boolean;
}

/** scheme://host of the redirect URI (what the official client checks), and its origin with a port. */
function audiences(redirectUri: string): string[] {
  const url = new URL(redirectUri);
  return [...new Set([`${url.protocol}//${url.hostname}`, url.origin])];
}

export async function verifyWidgetToken(
  token: string,
  deps: {
    clientSecret: string;
    redirectUri: string;
    findInstallation: (accountId: string) => Promise<Installation | null>;
    clockToleranceSeconds?: number;
  },
): Promise<Result<WidgetIdentity>> {
  if (token.trim() === '') return unauthorized('No widget token');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(deps.clientSecret), {
      algorithms: ['HS256'],
      audience: audiences(deps.redirectUri),
      clockTolerance: deps.clockToleranceSeconds ?? 30,
      requiredClaims: ['exp', 'iss', 'aud'],
    }));
  } catch (error) {
    const reason = error instanceof joseErrors.JWTExpired ? 'The widget token has expired' : 'The widget token is not valid';
    return unauthorized(reason);
  }
  const accountId = payload.account_id === undefined ? '' : String(payload.account_id);
  if (!/^\d+$/.test(accountId)) return unauthorized('The widget token names no account');
  const installation = await deps.findInstallation(accountId);
  if (!installation || installation.crm !== 'amocrm' || installation.status !== 'active') return unauthorized('KAM Pilot is not installed on this account');
  const accountUrl = installation.clientEndpoint ? new URL(installation.clientEndpoint).origin : `https://${installation.domain}`;
  if (payload.iss !== accountUrl) return unauthorized('The widget token was issued by another account');
  const userId = payload.user_id === undefined ? '' : String(payload.user_id);
  if (userId === '') return unauthorized('The widget token names no user');
  return ok({ installationId: installation.id, userId, isAdmin: payload.is_admin === true });
}
