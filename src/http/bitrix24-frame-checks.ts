import type { Bitrix24Service } from '../app/bitrix24/bitrix24-service';
import type { Bitrix24Connector } from '../connectors/bitrix24/bitrix24-connector';
import type { Bitrix24FrameChecks } from './page-caller';

/**
 * Bitrix24's answers for the page caller: the frame token checked by the service (user.current,
 * cached, rate-limited per portal), and whether its user is an administrator, asked with the
 * same token through the portal's limiter (https://apidocs.bitrix24.com/api-reference/user/user-admin.html).
 */
export function bitrix24FrameChecks(deps: { service: Pick<Bitrix24Service, 'verifyFrameUser'>; connector: Pick<Bitrix24Connector, 'portal' | 'callWithToken'> }): Bitrix24FrameChecks {
  return {
    verifyFrameUser: (memberId, accessToken) => deps.service.verifyFrameUser(memberId, accessToken),
    async isAdmin(installation, accessToken) {
      if (!installation.clientEndpoint) return false;
      const portal = deps.connector.portal(installation);
      const answer = await deps.connector.callWithToken<unknown>(installation.clientEndpoint, 'user.admin', accessToken, portal.limiter, portal.meter);
      return answer === true;
    },
  };
}
