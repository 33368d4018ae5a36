import axios from 'axios';
import { createBitrix24Client, type Bitrix24Client, type Bitrix24ClientDeps } from '../../../src/connectors/bitrix24/bitrix24-client';
import { createLeakyBucketLimiter } from '../../../src/connectors/shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../../../src/connectors/shared/request-meter';
import { createSilentLogger } from '../../../src/logging/logger';
import type { Installation } from '../../../src/core/ports/installation-store.port';
import type { Storage } from '../../../src/core/ports/storage.port';
import type { RunningBitrix24Sandbox } from '../../../src/sandbox/bitrix24';

/** A REST client on the sandbox portal with its admin token (no refresh needed within a test). */
export function sandboxClient(sandbox: RunningBitrix24Sandbox, overrides: Partial<Bitrix24ClientDeps> = {}): { client: Bitrix24Client; meter: RequestMeter } {
  const token = String(sandbox.readyLine.accessToken);
  const meter = createRequestMeter();
  const client = createBitrix24Client({
    clientEndpoint: `${sandbox.url}/rest/`,
    http: axios.create(),
    tokens: { accessToken: async () => token, refresh: async () => token },
    limiter: createLeakyBucketLimiter({ ratePerSecond: 50, burst: 50 }),
    meter,
    logger: createSilentLogger(),
    ...overrides,
  });
  return { client, meter };
}

/** The sandbox portal as an active installation in `storage`, holding the ready line's tokens (valid for an hour). */
export function installSandboxPortal(storage: Storage, sandbox: RunningBitrix24Sandbox): Promise<Installation> {
  const ready = sandbox.readyLine;
  return storage.installations.upsert({
    crm: 'bitrix24', externalId: String(ready.memberId), domain: String(ready.domain), clientEndpoint: String(ready.clientEndpoint), status: 'active',
    tokens: { accessToken: String(ready.accessToken), refreshToken: String(ready.refreshToken), expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
  });
}
