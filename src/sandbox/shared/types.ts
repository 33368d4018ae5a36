import type { SeedPortfolio } from '../portfolio/types';
import type { BeforeServe } from './listen';

/** What `kam sandbox <crm>`, the demo, tests and benchmarks pass to start a CRM sandbox in-process. */
export interface StartSandboxOptions {
  /** 0 picks a free port. Always bound to 127.0.0.1. */
  port: number;
  /** Either a ready portfolio, or the sizes and seed to generate one. */
  portfolio?: SeedPortfolio;
  companies?: number;
  contacts?: number;
  deals?: number;
  seed?: number;
  anchorDate?: string;
  /** false = no request-rate limit at all (benchmarks of raw speed). */
  rateLimit: boolean;
  /** Fault injection spec, see src/sandbox/shared/faults.ts (e.g. "500=0.05,hang=0.01,seed=3"). */
  faults?: string;
  /** Access-token lifetime in seconds (Bitrix24 default 3600, amoCRM default 86400). */
  tokenTtlSeconds?: number;
  /** Runs before each request is served (listen.ts): the workers demo holds an answer there while it kills a worker. */
  beforeServe?: BeforeServe;
}

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The JSON object printed as the first stdout line of `kam sandbox`: all a client needs. */
  readyLine: Record<string, unknown>;
  close(): Promise<void>;
}
