import express, { type Router } from 'express';
import type { Logger } from '../logging/logger';
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
