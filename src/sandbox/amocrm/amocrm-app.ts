import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import { createAccountRouter } from './account.routes';
import { apiGuard, countRequests } from './api-guard.middleware';
import { createCustomFieldsRouter } from './custom-fields.routes';
import { createEntitiesReadRouter } from './entities-read.routes';
import { createEntitiesWriteRouter } from './entities-write.routes';
import { createNotesRouter } from './notes.routes';
import { createOAuthRouter } from './oauth.routes';
import { parsePhpQuery } from './php-query';
import { sendProblem } from './problem';
import { createSandboxCallbacksRouter } from './sandbox-callbacks.routes';
import type { AmoSandboxContext } from './sandbox-context';
import { createSandboxControlRouter } from './sandbox-control.routes';
import { createSandboxInspectRouter } from './sandbox-inspect.routes';
import { createTasksRouter } from './tasks.routes';
import { createWebhooksRouter } from './webhooks.routes';

/**
 * The express app of the amoCRM sandbox. Order matters: on /api/v4 the guard (faults,
 * token, rate) runs before the body is even parsed, as on the real API where a bad token
 * is refused whatever the body holds.
 */
export function createAmoCrmApp(ctx: AmoSandboxContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // amo's filters are bracket-nested (filter[id][]=1, filter[updated_at][from]=...), read as PHP reads them.
  app.set('query parser', parsePhpQuery);
  const json = express.json({ limit: '20mb', type: () => true });

  app.use('/oauth2', countRequests(ctx), json, createOAuthRouter(ctx));
  app.use(
    '/api/v4',
    countRequests(ctx),
    apiGuard(ctx),
    json,
    createAccountRouter(ctx),
    createCustomFieldsRouter(ctx),
    createNotesRouter(ctx),
    createWebhooksRouter(ctx),
    createTasksRouter(ctx),
    createEntitiesReadRouter(ctx),
    createEntitiesWriteRouter(ctx),
  );
  app.use('/_sandbox', json, createSandboxCallbacksRouter(ctx), createSandboxInspectRouter(ctx), createSandboxControlRouter(ctx));

  app.use((_req, res) => sendProblem(res, 404, 'Not Found'));
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || (error as { type?: string }).type === 'entity.parse.failed') return sendProblem(res, 400, 'Request body is not valid JSON');
    if (status === 413) return sendProblem(res, 400, 'Request body is too large');
    sendProblem(res, 500, 'Internal Server Error');
  };
  app.use(onError);
  return app;
}
