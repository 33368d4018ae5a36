import { createHash, randomBytes } from 'node:crypto';
import type { Granularity } from '../../core/model/periods';
import type { ReportLink, ReportLinkStore } from '../../core/ports/period-report-store.port';

/**
 * The live CSV link for Google Sheets (`=IMPORTDATA(url)`): a secret URL per installation,
 * read-only. The token is 32 random bytes (base64url, 43 characters); only its SHA-256 is
 * stored, so a copy of the database cannot be turned into working links. Creating a link
 * replaces the installation's previous one (which stops working); revoking removes it.
 */
export const LIVE_LINK_PATH = '/reports/live';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface CreatedLink {
  /** Shown once, to the admin who made it; never stored. */
  token: string;
  url: string;
  /** What to paste into a Google Sheets cell. */
  formula: string;
  granularity: Granularity;
}

export interface LiveLinks {
  create(installationId: string, granularity: Granularity): Promise<CreatedLink>;
  revoke(installationId: string): Promise<boolean>;
  /** The link a token opens, or null for an unknown, revoked or malformed token. */
  resolve(token: string): Promise<ReportLink | null>;
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export function isLinkToken(token: string): boolean {
  return TOKEN.test(token);
}

export function createLiveLinks(deps: { links: ReportLinkStore; publicUrl: string }): LiveLinks {
  const base = deps.publicUrl.replace(/\/+$/, '');
  return {
    async create(installationId, granularity) {
      const token = randomBytes(32).toString('base64url');
      await deps.links.put({ installationId, tokenHash: hashToken(token), granularity });
      const url = `${base}${LIVE_LINK_PATH}/${token}.csv`;
      return { token, url, formula: `=IMPORTDATA("${url}")`, granularity };
    },
    revoke: (installationId) => deps.links.revoke(installationId),
    async resolve(token) {
      if (!isLinkToken(token)) return null;
      return deps.links.findByHash(hashToken(token));
    },
  };
}
