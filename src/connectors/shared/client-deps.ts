import type { AxiosInstance } from 'axios';
import type { Logger } from '../../logging/logger';
import type { RateLimiter } from './rate-limiter';
import type { RequestMeter } from './request-meter';
import type { TokenManager } from './token-manager';

/** What every CRM's REST client is built from: transport, the installation's tokens, its limiter and meter, and the retry policy. */
export interface CrmClientDeps {
  http: AxiosInstance;
  tokens: TokenManager;
  limiter: RateLimiter;
  meter: RequestMeter;
  logger: Logger;
  maxRetries?: number;
  /** Base delay of the exponential backoff, ms. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}
