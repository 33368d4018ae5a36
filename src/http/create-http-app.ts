import express, { type Router } from 'express';
import type { Logger } from '../logging/logger';
import { errorHandler } from './error-handler';
import { requestContext } from './request-context';

export interface HttpAppDeps {
  logger: Logger;
  /** Route groups, mounted in order. Each verifies its own inbound requests in middleware. */
  routers: Router[];
}

export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestContext(deps.logger));
  for (const router of deps.routers) app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` } });
  });
  app.use(errorHandler());
  return app;
}
