import { Router } from 'express';
import type { LossReasonRecord, PipelineRecord, StatusRecord, UserRecord } from './amo-records';
import { numericId, sendHal, sendNoContent } from './http-helpers';
import type { Query } from './list-query';
import { pageLinks, pageOf, parsePaging, withOf } from './list-query';
import { sendProblem } from './problem';
import type { AmoSandboxContext } from './sandbox-context';
import { ACCOUNT_TIMEZONE } from './seed-mapping';

/**
 * GET /api/v4/account (with=amojo_id,uuid,version,amojo_rights,users_groups,task_types,
 * datetime_settings,is_api_filter_enabled; AccountModel::fromArray reads the last four from
 * `_embedded`), GET /api/v4/users[/{id}] and GET /api/v4/leads/pipelines[/{id}] (reference §3.2, §3.8).
 */
export const TASK_TYPES = [
  { id: 1, name: 'Связаться', color: null, icon_id: null, code: 'FOLLOW_UP' },
  { id: 2, name: 'Встреча', color: null, icon_id: null, code: 'MEETING' },
];

function userView(ctx: AmoSandboxContext, user: UserRecord): Record<string, unknown> {
  const full = { view: 'A', edit: 'A', add: 'A', delete: 'A', export: 'A' };
  return {
    id: user.id, name: user.name, email: user.email, lang: 'ru',
    rights: {
      leads: full, contacts: full, companies: full, tasks: { edit: 'A', delete: 'A' },
      mail_access: true, catalog_access: true, files_access: true, status_rights: [],
      is_admin: user.isAdmin, is_free: false, is_active: user.isActive, group_id: null, role_id: null,
    },
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/users/${user.id}` } },
  };
}

function statusView(ctx: AmoSandboxContext, status: StatusRecord): Record<string, unknown> {
  return {
    id: status.id, name: status.name, sort: status.sort, is_editable: status.is_editable, pipeline_id: status.pipeline_id,
    color: status.color, type: status.type, account_id: ctx.store.account.id,
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/leads/pipelines/${status.pipeline_id}/statuses/${status.id}` } },
  };
}

function pipelineView(ctx: AmoSandboxContext, pipeline: PipelineRecord): Record<string, unknown> {
  return {
    id: pipeline.id, name: pipeline.name, sort: pipeline.sort, is_main: pipeline.is_main, is_unsorted_on: pipeline.is_unsorted_on,
    is_archive: pipeline.is_archive, account_id: ctx.store.account.id,
    _links: { self: { href: `${ctx.baseUrl()}/api/v4/leads/pipelines/${pipeline.id}` } },
    _embedded: { statuses: pipeline.statuses.map((status) => statusView(ctx, status)) },
  };
}

export function createAccountRouter(ctx: AmoSandboxContext): Router {
  const router = Router();

  router.get('/account', (req, res) => {
    const { account } = ctx.store;
    const withSet = withOf(req.query as Query);
    const embedded: Record<string, unknown> = {};
    if (withSet.has('amojo_rights')) embedded['amojo_rights'] = { can_direct: true, can_create_groups: true };
    if (withSet.has('users_groups')) embedded['users_groups'] = [{ id: 0, name: 'Отдел продаж', uuid: null }];
    if (withSet.has('task_types')) embedded['task_types'] = TASK_TYPES;
    if (withSet.has('datetime_settings')) {
      embedded['datetime_settings'] = {
        date_pattern: 'd.m.Y H:i', short_date_pattern: 'd.m.Y', short_time_pattern: 'H:i', date_format: 'd.m.Y',
        time_format: 'H:i:s', timezone: ACCOUNT_TIMEZONE, timezone_offset: '+03:00',
      };
    }
    sendHal(res, 200, {
      id: account.id, name: account.name, subdomain: account.subdomain, created_at: account.createdAt, created_by: 0,
      updated_at: account.createdAt, updated_by: 0, current_user_id: account.currentUserId, country: 'RU', currency: 'RUB',
      currency_symbol: '₽', customers_mode: 'disabled', is_unsorted_on: true, mobile_feature_version: 0,
      is_loss_reason_enabled: true, is_helpbot_enabled: false, is_technical_account: false, contact_name_display_order: 1,
      ...(withSet.has('amojo_id') ? { amojo_id: account.amojoId } : {}),
      ...(withSet.has('uuid') ? { uuid: account.uuid } : {}),
      ...(withSet.has('version') ? { version: 11 } : {}),
      ...(withSet.has('is_api_filter_enabled') ? { is_api_filter_enabled: true } : {}),
      _links: { self: { href: `${ctx.baseUrl()}/api/v4/account` } },
      ...(Object.keys(embedded).length > 0 ? { _embedded: embedded } : {}),
    });
  });

  router.get('/users', (req, res) => {
    const query = req.query as Query;
    const paging = parsePaging(query);
    if (!paging.ok) return sendProblem(res, 400, paging.error.message);
    const page = pageOf(ctx.store.users, paging.value);
    if (page.items.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _total_items: ctx.store.users.length, _page: paging.value.page,
      _page_count: Math.ceil(ctx.store.users.length / paging.value.limit),
      _links: pageLinks(ctx.baseUrl(), '/api/v4/users', query, paging.value, page.hasNext),
      _embedded: { users: page.items.map((user) => userView(ctx, user)) },
    });
  });

  router.get('/users/:id', (req, res) => {
    const user = ctx.store.users.find((item) => item.id === numericId(req.params['id']));
    if (!user) return ctx.behaviour.sendMissingRecord(res);
    sendHal(res, 200, userView(ctx, user));
  });

  router.get('/leads/pipelines', (_req, res) => {
    sendHal(res, 200, {
      _total_items: ctx.store.pipelines.length,
      _links: { self: { href: `${ctx.baseUrl()}/api/v4/leads/pipelines` } },
      _embedded: { pipelines: ctx.store.pipelines.map((pipeline) => pipelineView(ctx, pipeline)) },
    });
  });

  // GET /api/v4/leads/loss_reasons (LossReasons.php; reference §3.2).
  const lossReasonView = (reason: LossReasonRecord): Record<string, unknown> => ({
    ...reason, _links: { self: { href: `${ctx.baseUrl()}/api/v4/leads/loss_reasons/${reason.id}` } },
  });
  router.get('/leads/loss_reasons', (_req, res) => {
    if (ctx.store.lossReasons.length === 0) return sendNoContent(res);
    sendHal(res, 200, {
      _total_items: ctx.store.lossReasons.length, _page: 1,
      _links: { self: { href: `${ctx.baseUrl()}/api/v4/leads/loss_reasons` } },
      _embedded: { loss_reasons: ctx.store.lossReasons.map(lossReasonView) },
    });
  });

  router.get('/leads/loss_reasons/:id', (req, res) => {
    const reason = ctx.store.lossReasons.find((item) => item.id === numericId(req.params['id']));
    if (!reason) return ctx.behaviour.sendMissingRecord(res);
    sendHal(res, 200, lossReasonView(reason));
  });

  router.get('/leads/pipelines/:id', (req, res) => {
    const pipeline = ctx.store.pipeline(numericId(req.params['id']) ?? -1);
    if (!pipeline) return ctx.behaviour.sendMissingRecord(res);
    sendHal(res, 200, pipelineView(ctx, pipeline));
  });

  return router;
}
