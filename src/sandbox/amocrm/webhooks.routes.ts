import { Router } from 'express';
import type { WebhookRecord } from './amo-records';
import { sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { filterOf } from './list-query';
import { createIssueCollector, DETAIL, sendKamError, sendProblem, validationError } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { nowSeconds } from './sandbox-context';

/**
 * POST/GET/DELETE /api/v4/webhooks (reference §4.1; https://www.amocrm.com/developers/content/api_v4/webhooks-2/).
 * At most 100 per account. Subscribing an existing destination again replaces its settings
 * and re-enables it, which is how an admin turns a disabled hook back on.
 */
export const MAX_WEBHOOKS = 100;

const ENTITY_EVENTS = ['lead', 'contact', 'company', 'customer'].flatMap((entity) =>
  ['add', 'update', 'delete', 'restore', 'responsible', 'note'].filter((action) => !(entity === 'customer' && action === 'restore')).map((action) => `${action}_${entity}`));
export const KNOWN_EVENTS = new Set([
  ...ENTITY_EVENTS, 'status_lead', 'add_task', 'update_task', 'delete_task', 'responsible_task',
  'add_talk', 'update_talk', 'add_message', 'add_chat_template_review', 'update_chat_template_review',
]);

export function webhookView(ctx: AmoSandboxContext, hook: WebhookRecord): Record<string, unknown> {
  return {
    id: hook.id, destination: hook.destination, created_at: hook.created_at, updated_at: hook.updated_at,
    account_id: ctx.store.account.id, created_by: hook.created_by, sort: hook.sort, disabled: hook.disabled, settings: hook.settings,
  };
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function createWebhooksRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/webhooks', (req, res) => {
    const destination = filterOf(req.query as Query)['destination'];
    const hooks = ctx.store.webhooks.filter((hook) => destination === undefined || hook.destination === destination);
    if (hooks.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _total_items: hooks.length,
      _links: { self: { href: `${ctx.baseUrl()}/api/v4/webhooks` } },
      _embedded: { webhooks: hooks.map((hook) => webhookView(ctx, hook)) },
    });
  });

  router.post('/webhooks', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const issues = createIssueCollector();
    if (!isHttpUrl(body['destination'])) issues.add('0', 'NotBlank', 'destination', 'This value is not a valid URL.');
    const settings = body['settings'];
    if (!Array.isArray(settings) || settings.length === 0) issues.add('0', 'NotBlank', 'settings', DETAIL.notBlank);
    else settings.forEach((event, i) => {
      if (!KNOWN_EVENTS.has(String(event))) issues.add('0', 'NotSupportedChoice', `settings.${i}`, DETAIL.notChoice);
    });
    if (body['sort'] !== undefined && !Number.isInteger(body['sort'])) issues.add('0', 'InvalidType', 'sort', 'This value should be of type int.');
    const entries = issues.entries();
    if (entries.length > 0) return sendKamError(res, validationError(entries));
    const destination = body['destination'] as string;
    const now = nowSeconds(ctx);
    const unique = [...new Set((settings as unknown[]).map(String))];
    const existing = ctx.store.webhooks.find((hook) => hook.destination === destination);
    if (existing) {
      Object.assign(existing, { settings: unique, sort: Number(body['sort'] ?? existing.sort), disabled: false, updated_at: now, failureTimes: [], lastFailed: false });
      return sendHal(res, 200, webhookView(ctx, existing));
    }
    if (ctx.store.webhooks.length >= MAX_WEBHOOKS) return sendProblem(res, 400, `An account may have at most ${MAX_WEBHOOKS} webhooks`);
    const hook: WebhookRecord = {
      id: ctx.store.nextId('webhook'), destination, settings: unique, sort: Number(body['sort'] ?? 1), disabled: false,
      created_by: ctx.store.account.currentUserId, created_at: now, updated_at: now, failureTimes: [], delivered: 0, failed: 0, lastFailed: false,
    };
    ctx.store.webhooks.push(hook);
    sendHal(res, 200, webhookView(ctx, hook));
  });

  router.delete('/webhooks', (req, res) => {
    const destination = ((req.body ?? {}) as Record<string, unknown>)['destination'];
    if (typeof destination !== 'string') return sendKamError(res, validationError([{ request_id: '0', errors: [{ code: 'NotBlank', path: 'destination', detail: DETAIL.notBlank }] }]));
    const index = ctx.store.webhooks.findIndex((hook) => hook.destination === destination);
    if (index < 0) return sendProblem(res, 404, 'Not Found');
    ctx.store.webhooks.splice(index, 1);
    sendNoContent(res);
  });

  return router;
}
