import { randomBytes } from 'node:crypto';

/**
 * The portal's OAuth grants. Access tokens live `ttlSeconds` (Bitrix24: one hour), refresh
 * tokens 180 days and are single-use: every refresh hands out a new pair and burns the old
 * refresh token, so a client that loses a rotation gets `invalid_grant`
 * (docs:settings/oauth/auto-renewal, docs:settings/oauth/index).
 */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Unix seconds. */
  expires: number;
  expiresIn: number;
  userId: number;
}

export type AccessCheck = { state: 'ok'; userId: number } | { state: 'expired' } | { state: 'unknown' };

export interface TokenStore {
  issue(userId: number): TokenPair;
  /** An access token with no refresh token, as events carry (docs:api-reference/events/index). */
  issueAccessOnly(userId: number): { accessToken: string; expires: number; expiresIn: number };
  check(accessToken: string): AccessCheck;
  refresh(refreshToken: string): TokenPair | null;
  issueCode(userId: number): string;
  exchangeCode(code: string): TokenPair | null;
  /** Fault injection: the token stops working before its time. */
  expireNow(accessToken: string): void;
  revokeAll(): void;
  setTtl(seconds: number): void;
  ttl(): number;
}

const REFRESH_TTL_MS = 180 * 86_400_000;
const CODE_TTL_MS = 30_000;

export function createTokenStore(deps: { ttlSeconds: number; now: () => number }): TokenStore {
  let ttlSeconds = deps.ttlSeconds;
  const access = new Map<string, { userId: number; expiresAt: number }>();
  const refresh = new Map<string, { userId: number; expiresAt: number }>();
  const codes = new Map<string, { userId: number; expiresAt: number }>();
  const token = (): string => randomBytes(20).toString('hex');

  const issueAccessOnly = (userId: number): { accessToken: string; expires: number; expiresIn: number } => {
    const accessToken = token();
    const expiresAt = deps.now() + ttlSeconds * 1000;
    access.set(accessToken, { userId, expiresAt });
    return { accessToken, expires: Math.floor(expiresAt / 1000), expiresIn: ttlSeconds };
  };
  const issue = (userId: number): TokenPair => {
    const { accessToken, expires, expiresIn } = issueAccessOnly(userId);
    const refreshToken = token();
    refresh.set(refreshToken, { userId, expiresAt: deps.now() + REFRESH_TTL_MS });
    return { accessToken, refreshToken, expires, expiresIn, userId };
  };

  return {
    issue,
    issueAccessOnly,
    check(accessToken) {
      const record = access.get(accessToken);
      if (!record) return { state: 'unknown' };
      return record.expiresAt <= deps.now() ? { state: 'expired' } : { state: 'ok', userId: record.userId };
    },
    refresh(refreshToken) {
      const record = refresh.get(refreshToken);
      refresh.delete(refreshToken);
      if (!record || record.expiresAt <= deps.now()) return null;
      return issue(record.userId);
    },
    issueCode(userId) {
      const code = token();
      codes.set(code, { userId, expiresAt: deps.now() + CODE_TTL_MS });
      return code;
    },
    exchangeCode(code) {
      const record = codes.get(code);
      codes.delete(code);
      if (!record || record.expiresAt <= deps.now()) return null;
      return issue(record.userId);
    },
    expireNow(accessToken) {
      const record = access.get(accessToken);
      if (record) record.expiresAt = Math.min(record.expiresAt, deps.now());
    },
    revokeAll() {
      access.clear();
      refresh.clear();
      codes.clear();
    },
    setTtl(seconds) {
      ttlSeconds = seconds;
    },
    ttl: () => ttlSeconds,
  };
}
