import axios from 'axios';
import { createBitrix24Client, type Bitrix24Client, type Bitrix24ClientDeps } from '../../../src/connectors/bitrix24/bitrix24-client';
import { createLeakyBucketLimiter } from '../../../src/connectors/shared/rate-limiter';
import { createRequestMeter, type RequestMeter } from '../../../src/connectors/shared/request-meter';
import { createSilentLogger } from '../../../src/logging/logger';
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
