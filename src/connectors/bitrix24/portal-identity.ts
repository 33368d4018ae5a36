import { KamError } from '../../core/errors';
import type { OAuthTokens } from '../../core/ports/installation-store.port';
import { acceptableEndpoint } from './portal-address';

/**
 * A portal's identity as Bitrix24 states it, never as a request claims it. A frame or an
 * install event brings `member_id` and `DOMAIN` as plain form fields anyone can write; the answer
 * of the OAuth server we chose (config BITRIX24_OAUTH_URL), to our client secret, for the refresh
 * token the request brought, names the portal that token belongs to: `member_id`,
 * `client_endpoint`, `user_id` (https://apidocs.bitrix24.com/settings/oauth/auto-renewal.html;
 * `app.info` does not name the member_id: .../api-reference/common/system/app-info.html). So a
 * claimed member_id is taken only when the OAuth server says the same, and the endpoint is the
 * one it names.
 */
export interface PortalIdentity {
  memberId: string;
  /** https://<portal>/rest/ as the OAuth server names it. */
  clientEndpoint: string;
  /** The portal's host, from clientEndpoint. */
  domain: string;
  /** The Bitrix24 user the token acts for. */
  userId: string | null;
  /** The fresh pair (the refresh token that proved the identity is spent). */
  tokens: OAuthTokens;
}

export function identityFromAnswer(tokens: OAuthTokens, answer: Record<string, unknown>, portalHosts: RegExp | undefined): PortalIdentity {
  const memberId = typeof answer.member_id === 'string' ? answer.member_id.trim() : '';
  if (!/^[A-Za-z0-9]{1,64}$/.test(memberId)) throw new KamError('CRM_REJECTED', 'The OAuth answer names no portal (member_id)');
  const endpoint = acceptableEndpoint(answer.client_endpoint, portalHosts);
  if (!endpoint) throw new KamError('FORBIDDEN', 'The OAuth answer names a portal address this app does not serve');
  const userId = answer.user_id === undefined || answer.user_id === null ? null : String(answer.user_id);
  return { memberId, clientEndpoint: endpoint.endpoint, domain: endpoint.host, userId, tokens };
}

/** The claim and the proof agree: the claimed member_id is the one the OAuth server named. */
export function sameMember(claimed: string, identity: PortalIdentity): boolean {
  return claimed.trim() !== '' && claimed.trim() === identity.memberId;
}
