import { KamError, fail, ok, type Result } from '../../core/errors';
import type { Lang } from '../../core/i18n/format-values';
import type { InstallRequest } from '../../core/ports/crm-connector.port';
import type { PortalIdentity } from './portal-identity';
import { sameMember } from './portal-identity';
import { portalEndpoint } from './bitrix24-verify';

/**
 * The install check shared by the installer frame and ONAPPINSTALL. A request's member_id and
 * DOMAIN are claims anyone can write; so:
 * 1. DOMAIN must be a host that may install (config), checked before any call.
 * 2. The request's refresh token is traded at OUR OAuth server; its answer names the portal the
 *    token belongs to (member_id, client_endpoint): the claim must match it (portal-identity.ts).
 *    A member_id is therefore never bound to a portal that is not its own, and the user's frame
 *    token (AUTH_ID) is sent nowhere.
 * 3. The fresh token must be an administrator's (user.admin at the proven endpoint): any user's
 *    frame carries tokens, and only an admin installs.
 * Then the install stores the proven endpoint and domain (a portal that moved keeps its
 * member_id: https://apidocs.bitrix24.com/settings/oauth/index.html), the fresh pair, and the
 * application token the admin's installer brought: an update may not send ONAPPUPDATE at all
 * (bitrix-tools/b24-rest-docs#370), so the installer refreshes it and setup binds again.
 */
export interface InstallClaim {
  domain: string;
  secure: boolean;
  memberId: string;
  refreshToken: string;
  applicationToken: string | null;
  lang: Lang | null;
}

export interface InstallCheckDeps {
  portalHosts: RegExp;
  identify(refreshToken: string): Promise<PortalIdentity>;
  callWithToken<T>(endpoint: string, method: string, token: string): Promise<T>;
}

export async function checkInstall(deps: InstallCheckDeps, claim: InstallClaim): Promise<Result<InstallRequest>> {
  const endpoint = portalEndpoint(claim.domain, claim.secure, deps.portalHosts);
  if (!endpoint) return fail(new KamError('FORBIDDEN', `Portal host ${JSON.stringify(claim.domain)} may not install this app`));
  let identity: PortalIdentity;
  try {
    identity = await deps.identify(claim.refreshToken);
  } catch (error) {
    return fail(new KamError('UNAUTHORIZED', 'The Bitrix24 OAuth server did not accept the install token', { cause: error }));
  }
  if (!sameMember(claim.memberId, identity) || identity.clientEndpoint !== endpoint) {
    return fail(new KamError('FORBIDDEN', 'member_id and DOMAIN are not the portal the install token belongs to'));
  }
  try {
    const admin = await deps.callWithToken<boolean>(identity.clientEndpoint, 'user.admin', identity.tokens.accessToken);
    // details.reason: the installer page tells this refusal apart from a foreign portal's (src/ui/notice.page.ts).
    if (admin !== true) return fail(new KamError('FORBIDDEN', 'Only a portal administrator can install KAM Pilot', { details: { reason: 'notAdmin' } }));
  } catch (error) {
    return fail(new KamError('UNAUTHORIZED', 'The portal did not accept the install token', { cause: error }));
  }
  return ok({
    lang: claim.lang,
    input: {
      crm: 'bitrix24',
      externalId: identity.memberId,
      domain: identity.domain,
      clientEndpoint: identity.clientEndpoint,
      serverEndpoint: null,
      ...(claim.applicationToken ? { applicationToken: claim.applicationToken } : {}),
      tokens: identity.tokens,
    },
  });
}

