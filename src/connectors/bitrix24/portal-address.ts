import type { Installation, InstallationStore } from '../../core/ports/installation-store.port';
import type { Logger } from '../../logging/logger';

/**
 * Where an installation's portal answers now. "member_id does not change when the address
 * changes" (https://apidocs.bitrix24.com/settings/oauth/index.html), and every refresh answer of
 * the OAuth server names the portal's current `client_endpoint`
 * (https://apidocs.bitrix24.com/settings/oauth/auto-renewal.html). That answer comes from the
 * OAuth server we chose (config), authenticated by our client secret, for our refresh token: when
 * it names our member_id and a new endpoint that may host a portal, the client follows it and the
 * installation's stored domain and endpoint follow too. Nothing from an inbound request moves it.
 */
export interface PortalAddress {
  /** The REST endpoint to call now. */
  endpoint(): string;
  /** Looks at a refresh answer; never throws (the token pair it came with must be stored regardless). */
  follow(answer: Record<string, unknown>): Promise<void>;
}

export interface PortalAddressDeps {
  installation: Installation;
  installations: InstallationStore;
  /** Hosts a portal may live on (config BITRIX24_PORTAL_HOSTS); absent: any https host. */
  portalHosts?: RegExp;
  logger: Logger;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/;

/** The normalised endpoint, or null when it is no place a portal may live. */
export function acceptableEndpoint(raw: unknown, portalHosts: RegExp | undefined): { endpoint: string; host: string } | null {
  if (typeof raw !== 'string' || raw.length > 300) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const secure = url.protocol === 'https:';
  if (!secure && !(url.protocol === 'http:' && LOOPBACK.test(url.host))) return null;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/rest/') return null;
  if (portalHosts && !portalHosts.test(url.host)) return null;
  return { endpoint: `${url.protocol}//${url.host}/rest/`, host: url.host };
}

export function createPortalAddress(deps: PortalAddressDeps): PortalAddress {
  const { installation } = deps;
  let current = installation.clientEndpoint ?? '';
  return {
    endpoint: () => current,
    async follow(answer) {
      if (answer.member_id !== installation.externalId) return;
      const next = acceptableEndpoint(answer.client_endpoint, deps.portalHosts);
      if (!next || next.endpoint === current) {
        if (!next && answer.client_endpoint !== undefined) deps.logger.warn('refresh answer names an endpoint we do not follow', { installationId: installation.id });
        return;
      }
      try {
        await deps.installations.upsert({ crm: installation.crm, externalId: installation.externalId, domain: next.host, clientEndpoint: next.endpoint });
        deps.logger.info('portal address changed; following it', { installationId: installation.id, from: current, to: next.endpoint });
        current = next.endpoint;
      } catch (error) {
        deps.logger.error('portal address change not stored', { installationId: installation.id, error });
      }
    },
  };
}
