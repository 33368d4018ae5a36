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

/** The id of the user behind a frame token (user.current), so a manager's pages show their own accounts. */
export function bitrix24FrameUserId(connector: Pick<Bitrix24Connector, 'portal' | 'callWithToken'>) {
  return async (installation: Installation, accessToken: string): Promise<string | null> => {
    if (!installation.clientEndpoint) return null;
    const portal = connector.portal(installation);
    const user = await connector.callWithToken<{ ID?: unknown } | null>(installation.clientEndpoint, 'user.current', accessToken, portal.limiter, portal.meter);
    return user && (typeof user.ID === 'string' || typeof user.ID === 'number') ? String(user.ID) : null;
  };
}
