import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { KamError } from '../../core/errors';
import { generatePortfolio } from '../portfolio/generate';
import { createSeededRandom } from '../portfolio/random';
import { createFaultInjector, emptyFaultSpec, parseFaultSpec } from '../shared/faults';
import { listenSandbox } from '../shared/listen';
import { createSandboxStats } from '../shared/stats';
import type { RunningSandbox, StartSandboxOptions } from '../shared/types';
import { createAmoStore } from './amo-store';
import { createAmoCrmApp } from './amocrm-app';
import { createApiBehaviour, DEFAULT_API_BEHAVIOUR } from './api-behaviour';
import type { EmptyRecordStatus, RateLimitBody } from './api-behaviour';
import { createOAuthService } from './oauth-service';
import { createSlidingWindowLimiter } from './rate-limiter';
import type { AmoSandboxContext } from './sandbox-context';
import { mapPortfolio, stableUuid } from './seed-mapping';
import { createWebhookDispatcher } from './webhook-dispatcher';

/** Knobs beyond the shared start contract; every one has amo's documented default. */
export interface AmoCrmSandboxOptions extends StartSandboxOptions {
  subdomain?: string;
  /** The integration's Redirect URI: code exchange must match it; widget tokens use its origin as aud. */
  redirectUri?: string;
  /** Requests per second per integration (amo: 7) and per account (amo: 50). */
  rateLimitPerSecond?: number;
  accountRateLimitPerSecond?: number;
  /** Webhook answer timeout (amo: 2 s) and failures in 2 h before a destination is disabled (amo: 100). */
  webhookTimeoutMs?: number;
  webhookDisableAfterFailures?: number;
  /** Install "webhook" to the redirect URI (amo: 3 s) and disconnect hook timeouts. */
  installTimeoutMs?: number;
  /** 429 body: an nginx HTML page (default) or nothing; never JSON, as on amo. */
  rateLimitBody?: RateLimitBody;
  /** 429s within a minute that block the account with 403 on every request (default 100; null = never). */
  blockAfterBreaches?: number | null;
  /** Write batches above this size answer 504 (default: off, only amo's 250 cap). */
  writeTimeoutBatchSize?: number | null;
  /** A single record with nothing to show: 204 without a body (issue #344) or 404 (default). */
  emptyRecord?: EmptyRecordStatus;
  /** A brand-new account: only amo's predefined custom fields, none of the seeded KAM inputs. */
  fresh?: boolean;
  /** Clock for tokens, limits and timestamps (tests); defaults to Date.now. */
  now?: () => number;
  /**
   * The integration's credentials, when one integration is installed in many sandbox accounts
   * (the scale benchmark), as one marketplace integration is in many real ones; default: from the seed.
   */
  integration?: { clientId: string; clientSecret: string };
}

export interface RunningAmoCrmSandbox extends RunningSandbox {
  /** Resolves when every queued webhook delivery has finished. */
  webhooksIdle(): Promise<void>;
}

export const DEFAULT_REDIRECT_URI = 'https://kam-pilot.example/install/amocrm';

const DEFAULT_SIZES = { companies: 200, contacts: 500, deals: 2000 };

export async function startAmoCrmSandbox(options: AmoCrmSandboxOptions): Promise<RunningAmoCrmSandbox> {
  const seed = options.portfolio?.seed ?? options.seed ?? 1;
  const portfolio = options.portfolio ?? generatePortfolio({
    seed,
    companies: options.companies ?? DEFAULT_SIZES.companies,
    contacts: options.contacts ?? DEFAULT_SIZES.contacts,
    deals: options.deals ?? DEFAULT_SIZES.deals,
    ...(options.anchorDate === undefined ? {} : { anchorDate: options.anchorDate }),
  });
  let faultSpec = emptyFaultSpec();
  if (options.faults !== undefined && options.faults.trim() !== '') {
    const parsed = parseFaultSpec(options.faults);
    if (!parsed.ok) throw new KamError('CONFIG_INVALID', parsed.error.message);
    faultSpec = parsed.value;
  }
  const now = options.now ?? Date.now;
  const store = createAmoStore(mapPortfolio(portfolio, { subdomain: options.subdomain ?? 'kampilot', fresh: options.fresh === true }));
  let baseUrl = 'http://127.0.0.1';
  const getBaseUrl = (): string => baseUrl;
  // Same seed, same integration credentials: a demo can be restarted without reconfiguring.
  const oauth = createOAuthService({
    integration: {
      clientId: options.integration?.clientId ?? stableUuid(`client:${portfolio.seed}`),
      clientSecret: options.integration?.clientSecret ?? createHash('sha256').update(`amocrm-sandbox-secret:${portfolio.seed}`).digest('base64url'),
      redirectUri: options.redirectUri ?? DEFAULT_REDIRECT_URI,
    },
    accountId: store.account.id,
    userId: store.account.currentUserId,
    baseUrl: getBaseUrl,
    accessTtlSeconds: options.tokenTtlSeconds ?? 86_400,
    now,
  });
  const webhooks = createWebhookDispatcher({
    store, baseUrl: getBaseUrl, now, timeoutMs: options.webhookTimeoutMs ?? 2000,
    disableAfterFailures: options.webhookDisableAfterFailures ?? 100,
  });
  const ctx: AmoSandboxContext = {
    store, oauth, webhooks, now, baseUrl: getBaseUrl,
    stats: createSandboxStats(),
    faults: createFaultInjector(faultSpec),
    limiter: createSlidingWindowLimiter({ now }),
    limits: options.rateLimit
      ? { perIntegration: options.rateLimitPerSecond ?? 7, perAccount: options.accountRateLimitPerSecond ?? 50 }
      : { perIntegration: null, perAccount: null },
    random: createSeededRandom(portfolio.seed + 7919),
    behaviour: createApiBehaviour({
      now,
      settings: {
        ...DEFAULT_API_BEHAVIOUR,
        ...(options.rateLimitBody === undefined ? {} : { rateLimitBody: options.rateLimitBody }),
        ...(options.blockAfterBreaches === undefined ? {} : { blockAfterBreaches: options.blockAfterBreaches }),
        ...(options.writeTimeoutBatchSize === undefined ? {} : { writeTimeoutBatchSize: options.writeTimeoutBatchSize }),
        ...(options.emptyRecord === undefined ? {} : { emptyRecord: options.emptyRecord }),
      },
    }),
    settings: { installTimeoutMs: options.installTimeoutMs ?? 3000, disconnectTimeoutMs: options.installTimeoutMs ?? 3000 },
  };
  const app = createAmoCrmApp(ctx);
  const server = await listenSandbox(app, options.port, options.beforeServe);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = await oauth.issuePair();

  return {
    url: baseUrl,
    readyLine: {
      crm: 'amocrm', url: baseUrl, baseUrl, clientId: oauth.integration.clientId, clientSecret: oauth.integration.clientSecret,
      redirectUri: oauth.integration.redirectUri, accessToken: tokens.access_token, refreshToken: tokens.refresh_token,
      expiresIn: tokens.expires_in, accountId: store.account.id, subdomain: store.account.subdomain,
      seed: portfolio.seed, anchorDate: portfolio.anchorDate,
      counts: { users: store.users.length, companies: store.companies.size, contacts: store.contacts.size, leads: store.leads.size, pipelines: store.pipelines.length },
      rateLimit: ctx.limits.perIntegration ?? false,
    },
    webhooksIdle: () => webhooks.idle(),
    async close() {
      webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
