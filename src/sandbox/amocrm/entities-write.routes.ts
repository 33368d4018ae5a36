import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { EntityType } from './amo-records';
import { writeEntities } from './entity-write';
import type { WriteOutcome } from './entity-write';
import { entityTypeOf, numericId, sendHal } from './http-helpers';
import { MAX_LIMIT } from './list-query';
import { sendKamError, sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';

/**
 * POST /api/v4/{entity} (create, array), PATCH /api/v4/{entity} (bulk update, array of {id,...})
 * and PATCH /api/v4/{entity}/{id}; at most 250 entities per request (reference §2).
 * Every accepted change is offered to the webhooks, API writes included: real amo notifies
 * about changes made through the API too, so a client must tolerate echoes of its own writes.
 */
export function createEntitiesWriteRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  const run = (type: EntityType, items: unknown[], mode: 'create' | 'update'): ReturnType<typeof writeEntities> => {
    const result = writeEntities({ store: ctx.store, type, items, mode, now: nowSeconds(ctx), actorUserId: ctx.store.account.currentUserId });
    if (result.ok) ctx.webhooks.emit(result.value.map((outcome) => outcome.change));
    return result;
  };
  const itemView = (type: EntityType, outcome: WriteOutcome, mode: 'create' | 'update'): Record<string, unknown> => ({
    id: outcome.record.id,
    ...(mode === 'update' ? { updated_at: outcome.record.updated_at } : {}),
    request_id: outcome.requestId,
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/${type}/${outcome.record.id}` } },
  });

  const bulk = (mode: 'create' | 'update'): RequestHandler => (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    if (!type) return next();
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) return sendProblem(res, 400, 'Request body must be a non-empty array');
    if (body.length > MAX_LIMIT) return sendProblem(res, 400, `Maximum ${MAX_LIMIT} entities per request`);
    if (ctx.behaviour.writeTimesOut(body.length)) return ctx.behaviour.sendGatewayTimeout(res);
    const result = run(type, body, mode);
    if (!result.ok) return sendKamError(res, result.error);
    sendHal(res, 200, {
      _links: { self: { href: `${ctx.baseUrl()}/api/v4/${type}` } },
      _embedded: { [type]: result.value.map((outcome) => itemView(type, outcome, mode)) },
    });
  };

  router.post('/:entity', bulk('create'));
  router.patch('/:entity', bulk('update'));

  router.patch('/:entity/:id', (req, res, next) => {
    const type = entityTypeOf(req.params['entity']);
    const id = numericId(req.params['id']);
    if (!type || id === null) return next();
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return sendProblem(res, 400, 'Request body must be an object');
    if (!ctx.store.entities(type).has(id)) return sendProblem(res, 404, 'Not Found');
    const result = run(type, [{ ...(body as Record<string, unknown>), id }], 'update');
    if (!result.ok) return sendKamError(res, result.error);
    const outcome = result.value[0];
    if (outcome) sendHal(res, 200, itemView(type, outcome, 'update'));
  });

  return router;
}
