import { ok } from '../core/errors';
import type { CrmInbound } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import type { Bitrix24FrameChecks } from './page-caller';

/**
 * Bitrix24's answers for the page caller: the frame token checked by the connector's inbound
 * adapter (the same check as the card tab: user.current at our stored endpoint, cached and
 * rate-limited per portal), and whether the token's user is an administrator (`askAdmin`, wired
 * by the composition root to user.admin, https://apidocs.bitrix24.com/api-reference/user/user-admin.html).
 */
export function bitrix24FrameChecks(deps: {
  inbound: CrmInbound;
  askAdmin: (installation: Installation, accessToken: string) => Promise<boolean>;
  askUserId?: (installation: Installation, accessToken: string) => Promise<string | null>;
}): Bitrix24FrameChecks {
  return {
    async verifyFrameUser(memberId, accessToken) {
      const verified = await deps.inbound.verifyWidget({ query: {}, body: { member_id: memberId, AUTH_ID: accessToken }, headers: {} });
      return verified.ok ? ok(verified.value.installation) : verified;
    },
    isAdmin: deps.askAdmin,
    ...(deps.askUserId ? { userId: deps.askUserId } : {}),
  };
}
