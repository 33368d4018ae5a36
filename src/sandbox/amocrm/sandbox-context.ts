import type { FaultInjector } from '../shared/faults';
import type { SandboxStats } from '../shared/stats';
import type { SeededRandom } from '../portfolio/random';
import type { AmoStore } from './amo-store';
import type { ApiBehaviour } from './api-behaviour';
import type { OAuthService } from './oauth-service';
import type { SlidingWindowLimiter } from './rate-limiter';
import type { WebhookDispatcher } from './webhook-dispatcher';

/** What every route of the amoCRM sandbox shares. Built once in amocrm-app.ts. */
export interface AmoSandboxContext {
  store: AmoStore;
  oauth: OAuthService;
  stats: SandboxStats;
  faults: FaultInjector;
  limiter: SlidingWindowLimiter;
  /** Requests per second; null = no limit (`rateLimit: false`). */
  limits: { perIntegration: number | null; perAccount: number | null };
  webhooks: WebhookDispatcher;
  /** 429/403/504 bodies, the account block, empty single records (api-behaviour.ts). */
  behaviour: ApiBehaviour;
  /** Drives the simulated users of POST /_sandbox/mutate (seeded, so runs repeat). */
  random: SeededRandom;
  baseUrl(): string;
  now(): number;
  settings: { installTimeoutMs: number; disconnectTimeoutMs: number };
}

export const nowSeconds = (ctx: AmoSandboxContext): number => Math.floor(ctx.now() / 1000);
