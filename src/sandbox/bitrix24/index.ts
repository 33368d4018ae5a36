import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { StartSandboxOptions, RunningSandbox } from '../shared/types';
import { generatePortfolio } from '../portfolio/generate';
import { createFaultInjector, emptyFaultSpec, parseFaultSpec } from '../shared/faults';
import { listenSandbox } from '../shared/listen';
import { createSandboxStats } from '../shared/stats';
import { buildPortalState } from './seed-to-portal';
import { createTokenStore } from './token-store';
import type { SandboxBehaviour } from './behaviour';
import type { LimitSettings } from './limits';
import { createPortalLimits } from './limits';
import { createEventBus } from './event-bus';
import { createRestDispatcher } from './rest-dispatcher';
import { bitrix24Methods } from './methods';
import type { PortalRuntime } from './portal-runtime';
import { ADMIN_USER_ID } from './portal-runtime';
import { createRestRouter } from './rest.routes';
import { createOAuthRouter, tokenResponse } from './oauth.routes';
import { createInstallRouter } from './install.routes';
import { createControlRouter } from './control.routes';
import { createOpenPlacementRouter } from './open-placement.routes';
import type { Bitrix24SandboxState } from './state-snapshot';
import { snapshotState } from './state-snapshot';

export type { Bitrix24SandboxState } from './state-snapshot';

export interface StartBitrix24Options extends StartSandboxOptions {
  /** The app's base URL: default installer URL for /_sandbox/install and redirect for /oauth/authorize. */
  appUrl?: string;
  /** Leaky bucket and operating-time settings (docs:limits); defaults 50 / 2 per s / 480 s. */
  limits?: Partial<Omit<LimitSettings, 'enabled'>>;
  /** How long the `hang` fault holds a socket; default 35 000 ms. */
  hangMs?: number;
  /** Clock for tokens, limits and timestamps (tests); default Date.now. */
  now?: () => number;
  /** A new portal: no input user fields (potential, margin, ...) and no values for them. */
  freshPortal?: boolean;
  /** How the portal behaves where the docs leave it open (see behaviour.ts). */
  behaviour?: Partial<SandboxBehaviour>;
  /** Event deliveries in flight at once; the rest wait in the portal's queue (default 8, event-bus.ts). */
  eventConcurrency?: number;
  /**
   * The Market app's credentials: one app has the same client id and secret on every portal it
   * is installed on, so two sandboxes given the same pair are two portals of one app (with
   * startBitrix24OAuthServer in front as their common oauth.bitrix.info). Default: fresh per run.
   */
  app?: { clientId: string; clientSecret: string };
}

export interface RunningBitrix24Sandbox extends RunningSandbox {
  state(): Bitrix24SandboxState;
  runtime: PortalRuntime;
  /** Resolves when no event delivery is in flight. */
  eventsIdle(): Promise<void>;
}

/**
 * Starts an emulated Bitrix24 portal with its OAuth server on 127.0.0.1 (see DESIGN.md,
 * "CRMs": the sandboxes stand in for real portals everywhere but production).
 */
export async function startBitrix24Sandbox(options: StartBitrix24Options): Promise<RunningBitrix24Sandbox> {
  const now = options.now ?? Date.now;
  const portfolio = options.portfolio ?? generatePortfolio({
    seed: options.seed ?? 1, companies: options.companies ?? 300, contacts: options.contacts ?? (options.companies ?? 300) * 3,
    deals: options.deals ?? 3000, anchorDate: options.anchorDate,
  });
  const faultSpec = options.faults ? parseFaultSpec(options.faults) : { ok: true as const, value: emptyFaultSpec() };
  if (!faultSpec.ok) throw faultSpec.error;
  // member_id is stable per seed, like a portal's; secrets are fresh per run.
  const memberId = createHash('sha256').update(`kam-sandbox-${portfolio.seed}`).digest('hex').slice(0, 32);
  const state = buildPortalState(portfolio, {
    clientId: options.app?.clientId ?? 'local.kampilot00000001.00000001', clientSecret: options.app?.clientSecret ?? randomBytes(24).toString('base64url'), memberId,
    domain: '127.0.0.1', applicationToken: randomBytes(16).toString('hex'), scope: 'crm,task,placement,user_brief,app',
    status: 'L', version: 1, installed: false, installedAt: null,
  }, { freshPortal: options.freshPortal === true });
  Object.assign(state.behaviour, options.behaviour ?? {});
  let baseUrl = '';
  const tokens = createTokenStore({ ttlSeconds: options.tokenTtlSeconds ?? 3600, now });
  const limits = createPortalLimits({
    now,
    settings: {
      enabled: options.rateLimit, burst: options.limits?.burst ?? 50, drainPerSecond: options.limits?.drainPerSecond ?? 2,
      operatingLimitSeconds: options.limits?.operatingLimitSeconds ?? 480,
    },
  });
  const commandStats = createSandboxStats();
  const runtime: PortalRuntime = {
    state, tokens, limits, stats: createSandboxStats(), commandStats, faults: createFaultInjector(faultSpec.value),
    events: createEventBus({ state, tokens, baseUrl: () => baseUrl, now, ...(options.eventConcurrency ? { concurrency: options.eventConcurrency } : {}) }),
    dispatcher: createRestDispatcher({ methods: bitrix24Methods, limits, commandStats }),
    webhook: { userId: ADMIN_USER_ID, secret: randomBytes(8).toString('hex') },
    baseUrl: () => baseUrl, now, hung: new Set(), hangMs: options.hangMs ?? 35_000,
    moveTo(host) {
      baseUrl = `http://${host}`;
      state.app.domain = host;
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Bracket notation (filter[>ID]=5, cmd[a]=...) needs the qs parser, as on a PHP portal.
  app.set('query parser', 'extended');
  app.use(express.json({ limit: '20mb' }));
  app.use(express.urlencoded({ extended: true, limit: '20mb', parameterLimit: 100_000 }));
  app.use(createOAuthRouter(runtime, options.appUrl));
  app.use(createInstallRouter(runtime, options.appUrl));
  app.use(createControlRouter(runtime));
  app.use(createOpenPlacementRouter(runtime));
  app.use('/rest', createRestRouter(runtime));
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    res.status(status).json({ error: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST', error_description: error instanceof Error ? error.message : 'Bad request' });
  });

  const server = await listenSandbox(app, options.port, options.beforeServe);
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  state.app.domain = `127.0.0.1:${port}`;

  const initial = tokenResponse(runtime, tokens.issue(ADMIN_USER_ID));
  const readyLine: Record<string, unknown> = {
    crm: 'bitrix24', url: baseUrl, clientEndpoint: `${baseUrl}/rest/`, serverEndpoint: `${baseUrl}/rest/`,
    clientId: state.app.clientId, clientSecret: state.app.clientSecret, accessToken: initial.access_token,
    refreshToken: initial.refresh_token, expires: initial.expires, expiresIn: initial.expires_in, memberId,
    applicationToken: state.app.applicationToken, domain: state.app.domain, scope: state.app.scope, userId: ADMIN_USER_ID,
    webhookUrl: `${baseUrl}/rest/${runtime.webhook.userId}/${runtime.webhook.secret}/`,
    seed: portfolio.seed, anchorDate: portfolio.anchorDate,
    counts: { users: portfolio.users.length, companies: portfolio.companies.length, contacts: portfolio.contacts.length, deals: portfolio.deals.length },
    rateLimit: options.rateLimit, tokenTtlSeconds: tokens.ttl(), faults: options.faults ?? null,
  };

  let closed: Promise<void> | null = null;
  return {
    url: baseUrl,
    readyLine,
    runtime,
    state: () => snapshotState(runtime),
    eventsIdle: () => runtime.events.idle(),
    close() {
      closed ??= (async () => {
        for (const holder of [...runtime.hung]) holder.release();
        runtime.events.stop();
        await Promise.race([runtime.events.idle(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}
