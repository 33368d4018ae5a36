import { createHmac, timingSafeEqual } from 'node:crypto';
import { KamError, fail, ok, type Result } from '../core/errors';
import type { Installation } from '../core/ports/installation-store.port';
import type { AmoTokenChecks } from './page-caller';

/**
 * Short-lived signed page tokens, for pages opened where the CRM cannot send its own credentials
 * with every request: the amoCRM widget's advanced settings page shows our page in an iframe,
 * which cannot carry the disposable X-Auth-Token
 * (https://www.amocrm.ru/developers/content/oauth/disposable-tokens). The route that checked the
 * disposable token issues one of these; the page sends it back as a bearer token.
 */
export interface PageTokenClaims {
  installationId: string;
  userId: string;
  isAdmin: boolean;
}

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function createPageTokens(deps: { secret: Buffer; findInstallation: (id: string) => Promise<Installation | null>; ttlSeconds?: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const ttl = deps.ttlSeconds ?? 15 * 60;
  const sign = (body: string) => createHmac('sha256', deps.secret).update(`kam-page:${body}`).digest();
  return {
    issue(claims: PageTokenClaims): string {
      const body = b64(JSON.stringify({ i: claims.installationId, u: claims.userId, a: claims.isAdmin, e: Math.floor(now() / 1000) + ttl }));
      return `${body}.${b64(sign(body))}`;
    },
    /** For the caller verifier: the installation and admin flag of a good, unexpired token. */
    checks(): AmoTokenChecks {
      return {
        async verifyToken(token: string): Promise<Result<{ installation: Installation; isAdmin: boolean; userId: string | null }>> {
          const [body, signature] = token.split('.');
          const expected = body ? sign(body) : null;
          const given = Buffer.from(signature ?? '', 'base64url');
          if (!body || !expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
            return fail(new KamError('UNAUTHORIZED', 'The page token is not valid'));
          }
          const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { i: string; u: string; a: boolean; e: number };
          if (claims.e * 1000 < now()) return fail(new KamError('UNAUTHORIZED', 'The page token has expired; open the page from amoCRM again'));
          const installation = await deps.findInstallation(claims.i);
          if (!installation || installation.status === 'deleted') return fail(new KamError('UNAUTHORIZED', 'Unknown amoCRM account'));
          return ok({ installation, isAdmin: claims.a === true, userId: typeof claims.u === 'string' ? claims.u : null });
        },
      };
    },
  };
}

export type PageTokens = ReturnType<typeof createPageTokens>;
