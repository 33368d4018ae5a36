import type { RequestListener } from 'node:http';
import express, { type Router } from 'express';
import type { CrmApp } from '../app/crm-app';
import type { Logger } from '../logging/logger';
import { createEventIntake, withEventIntake, type EventRoute } from './event-intake';
import { errorHandler } from './error-handler';
import { requestContext } from './request-context';

export interface HttpAppDeps {
  logger: Logger;
  /** Route groups, mounted in order. Each verifies its own inbound requests in middleware. */
  routers: Router[];
  /**
   * Whose X-Forwarded-For is believed (config KAM_TRUST_PROXY; default loopback): the per-source
   * limits key on req.ip, so behind a load balancer it must be the balancer's address, or every
   * user shares one source and one flood locks them all out.
   */
  trustProxy?: false | number | string;
}

export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(requestContext(deps.logger));
  for (const router of deps.routers) app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` } });
  });
  app.use(errorHandler());
  return app;
}

export interface HttpServerDeps extends HttpAppDeps {
  /** The CRMs' event routes, answered before Express when plain (event-intake.ts), and the app that records them. */
  events?: { app: Pick<CrmApp, 'recordInbound' | 'applyInbound'>; routes: EventRoute[] };
}

/** What the server runs: the event intake first, Express for everything else (and for any event it leaves). */
export function createHttpHandler(deps: HttpServerDeps): RequestListener {
  const app = createHttpApp(deps);
  if (!deps.events || deps.events.routes.length === 0) return app;
  const trust = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  return withEventIntake(app, createEventIntake({ ...deps.events, logger: deps.logger, trust }));
}
