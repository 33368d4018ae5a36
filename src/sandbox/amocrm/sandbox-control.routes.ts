import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { EntityType } from './amo-records';
import type { ApiBehaviourSettings } from './api-behaviour';
import { entityTypeOf } from './http-helpers';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';

/**
 * What a user or amo's support does outside the API, on demand (never part of amo's API):
 * - POST /_sandbox/delete and /_sandbox/restore {entity, ids, userId?}: a user moves leads,
 *   contacts or companies to the trash and back in the UI. API v4 has no delete for them, but
 *   the webhooks `delete_*` / `restore_*` fire (webhooks-format) and `with=only_deleted` lists
 *   the trash (reference §3.2-3.3).
 * - GET/POST /_sandbox/limits: the account block (`blocked: false` is support lifting it) and
 *   the answer switches of api-behaviour.ts.
 */
const MAX_IDS = 1000;

function parseIds(value: unknown): number[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDS) return null;
  return value.every((id) => Number.isInteger(id) && (id as number) > 0) ? (value as number[]) : null;
}

function limitsView(ctx: AmoSandboxContext): Record<string, unknown> {
  return { blocked: ctx.behaviour.isBlocked(), breaches: ctx.behaviour.breaches(), ...ctx.behaviour.settings };
}

/** Validates a partial settings update; returns the error text or the accepted changes. */
function parseSettings(body: Record<string, unknown>): string | Partial<ApiBehaviourSettings> {
  const out: Partial<ApiBehaviourSettings> = {};
  const positiveOrNull = (key: 'blockAfterBreaches' | 'writeTimeoutBatchSize'): string | null => {
    const value = body[key];
    if (value === undefined) return null;
    if (value !== null && !(Number.isInteger(value) && (value as number) > 0)) return `${key} must be a positive integer or null`;
    out[key] = value as number | null;
    return null;
  };
  const problem = positiveOrNull('blockAfterBreaches') ?? positiveOrNull('writeTimeoutBatchSize');
  if (problem) return problem;
  if (body['rateLimitBody'] !== undefined) {
    if (body['rateLimitBody'] !== 'html' && body['rateLimitBody'] !== 'empty') return 'rateLimitBody must be "html" or "empty"';
    out.rateLimitBody = body['rateLimitBody'];
  }
  if (body['emptyRecord'] !== undefined) {
    if (body['emptyRecord'] !== 204 && body['emptyRecord'] !== 404) return 'emptyRecord must be 204 or 404';
    out.emptyRecord = body['emptyRecord'];
  }
  if (body['blocked'] !== undefined && typeof body['blocked'] !== 'boolean') return 'blocked must be true or false';
  return out;
}

export function createSandboxControlRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  const move = (action: 'delete' | 'restore'): RequestHandler => (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const type: EntityType | null = entityTypeOf(body['entity']);
    if (!type) return sendProblem(res, 400, 'entity must be leads, contacts or companies');
    const ids = parseIds(body['ids']);
    if (!ids) return sendProblem(res, 400, `ids must be a list of 1 to ${MAX_IDS} positive integers`);
    const userId = body['userId'] === undefined ? ctx.store.account.currentUserId : Number(body['userId']);
    if (!ctx.store.userExists(userId)) return sendProblem(res, 400, `user ${String(body['userId'])} does not exist`);
    const [from, to] = action === 'delete' ? [ctx.store.entities(type), ctx.store.trash[type]] : [ctx.store.trash[type], ctx.store.entities(type)];
    const missing = ids.filter((id) => !from.has(id));
    if (missing.length > 0) return sendProblem(res, 400, `${type} ${missing.join(', ')} ${action === 'delete' ? 'do not exist' : 'are not deleted'}`);
    const now = nowSeconds(ctx);
    for (const id of ids) {
      const record = from.get(id);
      if (!record) continue;
      record.updated_at = now;
      record.updated_by = userId;
      from.delete(id);
      to.set(id, record);
    }
    ctx.webhooks.emit(ids.map((id) => ({ entity: type, id, actions: [action], userId })));
    res.json({ entity: type, [action === 'delete' ? 'deleted' : 'restored']: ids });
  };
  router.post('/delete', move('delete'));
  router.post('/restore', move('restore'));

  router.get('/limits', (_req, res) => {
    res.json(limitsView(ctx));
  });

  router.post('/limits', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = parseSettings(body);
    if (typeof parsed === 'string') return sendProblem(res, 400, parsed);
    Object.assign(ctx.behaviour.settings, parsed);
    if (typeof body['blocked'] === 'boolean') ctx.behaviour.setBlocked(body['blocked']);
    res.json(limitsView(ctx));
  });

  return router;
}
