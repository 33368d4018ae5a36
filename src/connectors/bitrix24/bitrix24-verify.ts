export { secretsEqual } from '../shared/secrets-equal';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/**
 * The REST endpoint of a portal, built by us from a host Bitrix24 sent, if that host may
 * install at all (config BITRIX24_PORTAL_HOSTS). Plain http only for loopback (the sandboxes).
 */
export function portalEndpoint(host: string, secure: boolean, allowedHosts: RegExp): string | null {
  const clean = host.trim().toLowerCase();
  if (!/^[a-z0-9.[\]:-]+$/.test(clean) || !allowedHosts.test(clean)) return null;
  if (!secure && !LOOPBACK.test(clean)) return null;
  return `${secure ? 'https' : 'http'}://${clean}/rest/`;
}
