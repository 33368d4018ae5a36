import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import { SYSTEM, refuse } from '../rest-failure';

/**
 * event.bind / event.get / event.unbind (application auth only; unknown event ->
 * ERROR_EVENT_NOT_FOUND: docs:api-reference/events/event-bind) and placement.bind / get / unbind
 * (admin and application context; a webhook gets WRONG_AUTH_TYPE, an unknown code
 * ERROR_PLACEMENT_NOT_FOUND: docs:api-reference/widgets/placement-bind). Binding the same
 * handler twice is refused; the exact text of that refusal is not in the docs (UNVERIFIED),
 * here it is ERROR_CORE "Handler already binded" as portals answer it in practice.
 */
const CRM_EVENTS = ['DEAL', 'COMPANY', 'CONTACT', 'LEAD', 'ACTIVITY'].flatMap((entity) =>
  ['ADD', 'UPDATE', 'DELETE'].map((action) => `ONCRM${entity}${action}`));
export const KNOWN_EVENTS = new Set([
  'ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL', 'ONAPPPAYMENT', 'ONAPPTEST', 'ONOFFLINEEVENT',
  'ONTASKADD', 'ONTASKUPDATE', 'ONTASKDELETE', 'ONCRMTIMELINECOMMENTADD', 'ONUSERADD', ...CRM_EVENTS,
]);

const PLACEMENTS = new Set([
  'CRM_DEAL_DETAIL_TAB', 'CRM_COMPANY_DETAIL_TAB', 'CRM_CONTACT_DETAIL_TAB', 'CRM_LEAD_DETAIL_TAB',
  'CRM_DEAL_DETAIL_ACTIVITY', 'CRM_COMPANY_DETAIL_ACTIVITY', 'CRM_CONTACT_DETAIL_ACTIVITY',
  'CRM_DEAL_LIST_MENU', 'CRM_COMPANY_LIST_MENU', 'CRM_DEAL_DETAIL_TOOLBAR', 'CRM_COMPANY_DETAIL_TOOLBAR',
  'LEFT_MENU', 'REST_APP_URI', 'PAGE_BACKGROUND_WORKER', 'USER_PROFILE_MENU',
]);

function requireApp(ctx: CallContext) {
  return ctx.auth.kind === 'oauth' ? null : { ok: false as const, error: SYSTEM.wrongAuthType() };
}

export const bindingMethods: MethodTable = {
  'event.bind': (params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    const event = String(param(params, 'event') ?? '').toUpperCase();
    const handler = String(param(params, 'handler') ?? '');
    if (event === '') return refuse('ERROR_ARGUMENT', "Argument 'event' is null or empty", 400, { argument: 'event' });
    if (handler === '') return refuse('ERROR_ARGUMENT', "Argument 'handler' is null or empty", 400, { argument: 'handler' });
    if (!KNOWN_EVENTS.has(event)) return refuse('ERROR_EVENT_NOT_FOUND', 'Event not found', 400);
    const offline = String(param(params, 'event_type') ?? 'online') === 'offline';
    const authType = Number(param(params, 'auth_type') ?? 0) || 0;
    if ((offline || (authType !== 0 && authType !== ctx.auth.userId)) && !ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied() };
    if (ctx.state.eventBindings.some((b) => b.event === event && b.handler === handler && b.authType === authType)) {
      return refuse('ERROR_CORE', 'Handler already binded', 400);
    }
    ctx.state.eventBindings.push({ event, handler, authType, offline, id: ctx.state.nextEventBindingId++ });
    return done(true);
  },
  'event.get': (_params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    return done(ctx.state.eventBindings.map((b) => ({ event: b.event, handler: b.handler, auth_type: String(b.authType), offline: b.offline ? 1 : 0 })));
  },
  'event.unbind': (params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    const event = String(param(params, 'event') ?? '').toUpperCase();
    const handler = String(param(params, 'handler') ?? '');
    const authType = param(params, 'auth_type');
    const before = ctx.state.eventBindings.length;
    ctx.state.eventBindings = ctx.state.eventBindings.filter((b) => !(b.event === event && (handler === '' || b.handler === handler)
      && (authType === undefined || b.authType === Number(authType))));
    return done({ count: before - ctx.state.eventBindings.length });
  },
  'placement.bind': (params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied('Access denied! Admin permissions required') };
    const placement = String(param(params, 'PLACEMENT') ?? '').toUpperCase();
    const handler = String(param(params, 'HANDLER') ?? '');
    if (placement === '') return refuse('ERROR_ARGUMENT', "Argument 'PLACEMENT' is null or empty", 400, { argument: 'PLACEMENT' });
    if (handler === '') return refuse('ERROR_ARGUMENT', "Argument 'HANDLER' is null or empty", 400, { argument: 'HANDLER' });
    if (!PLACEMENTS.has(placement)) return refuse('ERROR_PLACEMENT_NOT_FOUND', 'Placement not found', 400);
    if (ctx.state.placements.some((p) => p.placement === placement && p.handler === handler)) {
      return refuse('ERROR_CORE', 'Unable to set placement handler: Handler already binded', 400);
    }
    ctx.state.placements.push({
      placement, handler, title: String(param(params, 'TITLE') ?? ''), description: String(param(params, 'DESCRIPTION') ?? ''),
      groupName: String(param(params, 'GROUP_NAME') ?? ''), options: asRecord(param(params, 'OPTIONS')), langAll: asRecord(param(params, 'LANG_ALL')),
    });
    return done(true);
  },
  'placement.get': (_params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    return done(ctx.state.placements.map((p) => ({
      placement: p.placement, userId: 0, handler: p.handler, options: p.options, title: p.title, description: p.description, langAll: p.langAll,
    })));
  },
  'placement.unbind': (params, ctx) => {
    const refused = requireApp(ctx);
    if (refused) return refused;
    if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied('Access denied! Admin permissions required') };
    const placement = String(param(params, 'PLACEMENT') ?? '').toUpperCase();
    const handler = String(param(params, 'HANDLER') ?? '');
    const before = ctx.state.placements.length;
    ctx.state.placements = ctx.state.placements.filter((p) => !(p.placement === placement && (handler === '' || p.handler === handler)));
    return done({ count: before - ctx.state.placements.length });
  },
};
