import type { Installation } from '../../core/ports/installation-store.port';
import type { Bitrix24Connector } from './bitrix24-connector';

/**
 * Is the user behind a frame token a portal administrator? Asked with that user's own token,
 * through the portal's limiter (https://apidocs.bitrix24.com/api-reference/user/user-admin.html);
 * the settings page is for administrators only.
 */
export function bitrix24FrameAdmin(connector: Pick<Bitrix24Connector, 'portal' | 'callWithToken'>) {
  return async (installation: Installation, accessToken: string): Promise<boolean> => {
    if (!installation.clientEndpoint) return false;
    const portal = connector.portal(installation);
    return (await connector.callWithToken<unknown>(installation.clientEndpoint, 'user.admin', accessToken, portal.limiter, portal.meter)) === true;
  };
}
