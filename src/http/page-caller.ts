import { createHash } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../core/errors';
import type { Lang } from '../core/i18n/format-values';
import type { Installation } from '../core/ports/installation-store.port';

/**
 * Who is calling a page or the page API, verified with the CRM before anything is read.
 * Bitrix24: the frame's member_id + AUTH_ID, accepted by the portal (user.current), admin by
 * user.admin (https://apidocs.bitrix24.com/api-reference/user/user-admin.html). amoCRM: the
 * widget's disposable token, checked by the amoCRM connector's verifier when one is wired.
 */
export interface PageCaller {
  crm: 'bitrix24' | 'amocrm';
  installation: Installation;
  lang: Lang;
  /** Asked of the CRM once per token and remembered for a few minutes. */
  isAdmin(): Promise<boolean>;
  /** The CRM user's id (null when the CRM did not say): a manager sees their own accounts. */
  userId(): Promise<string | null>;
}

export type CallerCredentials =
  | { crm: 'bitrix24'; memberId: string; authId: string }
  | { crm: 'amocrm'; token: string };

export interface CallerVerifier {
  verify(credentials: CallerCredentials, lang: Lang): Promise<Result<PageCaller>>;
}

export interface Bitrix24FrameChecks {
  verifyFrameUser(memberId: string, accessToken: string): Promise<Result<Installation>>;
  /** True when the token's user is a portal administrator (user.admin). */
  isAdmin(installation: Installation, accessToken: string): Promise<boolean>;
  /** The token's user id (user.current). */
  userId?(installation: Installation, accessToken: string): Promise<string | null>;
}

export interface AmoTokenChecks {
  /** A token issued for this page: the widget's disposable token, or our own signed page token (page-tokens.ts). */
  verifyToken(token: string): Promise<Result<{ installation: Installation; isAdmin: boolean; userId?: string | null }>>;
}

const ADMIN_TTL_MS = 5 * 60_000;
const ADMIN_CACHE_MAX = 5_000;

export function createCallerVerifier(deps: { bitrix24?: Bitrix24FrameChecks; amocrm?: AmoTokenChecks }): CallerVerifier {
  const cache = new Map<string, { until: number; value: unknown }>();
  const remember = async <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    const cached = cache.get(key);
    if (cached && cached.until > Date.now()) return cached.value as T;
    const value = await ask();
    if (cache.size >= ADMIN_CACHE_MAX) cache.clear();
    cache.set(key, { until: Date.now() + ADMIN_TTL_MS, value });
    return value;
  };
  return {
    async verify(credentials, lang) {
      if (credentials.crm === 'bitrix24') {
        if (!deps.bitrix24) return fail(new KamError('CRM_UNAVAILABLE', 'Bitrix24 is not configured on this server'));
        if (!credentials.memberId || !credentials.authId) return fail(new KamError('UNAUTHORIZED', 'member_id and AUTH_ID are required'));
        const checks = deps.bitrix24;
        const verified = await checks.verifyFrameUser(credentials.memberId, credentials.authId);
        if (!verified.ok) return verified;
        const installation = verified.value;
        const key = createHash('sha256').update(`${installation.id}:${credentials.authId}`).digest('hex');
        return ok({
          crm: 'bitrix24', installation, lang,
          isAdmin: () => remember(`admin:${key}`, () => checks.isAdmin(installation, credentials.authId)),
          userId: () => remember(`user:${key}`, async () => (checks.userId ? checks.userId(installation, credentials.authId) : null)),
        });
      }
      if (!deps.amocrm) return fail(new KamError('CRM_UNAVAILABLE', 'amoCRM is not connected on this server yet'));
      if (!credentials.token) return fail(new KamError('UNAUTHORIZED', 'The amoCRM token is required'));
      const verified = await deps.amocrm.verifyToken(credentials.token);
      if (!verified.ok) return verified;
      const { installation, isAdmin, userId } = verified.value;
      return ok({ crm: 'amocrm', installation, lang, isAdmin: async () => isAdmin, userId: async () => userId ?? null });
    },
  };
}
