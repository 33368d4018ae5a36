import type { SeedUser } from '../../portfolio/types';
import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import { SYSTEM, refuse } from '../rest-failure';

/**
 * Application-level methods: app.info (INSTALLED flips once the installer finishes,
 * docs:settings/app-installation/installation-finish), app.option.get / set (set is admin only;
 * both need application context: docs:api-reference/common/settings/app-option-set),
 * user.current, user.get and profile (docs:api-reference/user/user-current).
 */
const appContext = (ctx: CallContext) => (ctx.auth.kind === 'oauth' ? null : refuse('ACCESS_DENIED', 'Application context required', 403));

export function userView(user: SeedUser, ctx: CallContext): Record<string, unknown> {
  return {
    ID: String(user.id), XML_ID: null, ACTIVE: user.active, NAME: user.firstName, LAST_NAME: user.lastName,
    SECOND_NAME: '', EMAIL: user.email, LAST_LOGIN: null, DATE_REGISTER: '2019-01-10T03:00:00+03:00',
    IS_ONLINE: 'N', TIME_ZONE: 'Europe/Moscow', TIME_ZONE_OFFSET: '10800', PERSONAL_GENDER: '', WORK_POSITION: user.id === 1 ? 'Администратор' : 'Менеджер по работе с ключевыми клиентами',
    UF_DEPARTMENT: [1], USER_TYPE: 'employee', ...(user.id === ctx.auth.userId ? { ADMIN: user.id === 1 } : {}),
  };
}

function currentUser(ctx: CallContext): SeedUser | undefined {
  return ctx.state.users.find((user) => user.id === ctx.auth.userId);
}

export const appMethods: MethodTable = {
  'app.info': (_params, ctx) => {
    const { app } = ctx.state;
    return done({
      ID: 7, CODE: app.clientId, VERSION: app.version, STATUS: app.status, INSTALLED: app.installed,
      PAYMENT_EXPIRED: 'N', DAYS: null, LANGUAGE_ID: 'ru', LICENSE: 'ru_project', LICENSE_TYPE: 'project', LICENSE_FAMILY: 'project',
    });
  },
  'app.option.get': (params, ctx) => {
    const refused = appContext(ctx);
    if (refused) return refused;
    const option = param(params, 'option');
    if (typeof option === 'string' && option !== '') return done(ctx.state.appOptions[option] ?? null);
    return done({ ...ctx.state.appOptions });
  },
  'app.option.set': (params, ctx) => {
    const refused = appContext(ctx);
    if (refused) return refused;
    if (!ctx.auth.isAdmin) return { ok: false, error: SYSTEM.accessDenied('Access denied! Admin permissions required') };
    const options = asRecord(param(params, 'options'));
    if (Object.keys(options).length === 0) return refuse('ERROR_ARGUMENT', "Argument 'options' is null or empty", 400, { argument: 'options' });
    Object.assign(ctx.state.appOptions, options);
    return done(true);
  },
  // docs:api-reference/user/user-admin: true when the token's user is a portal administrator.
  'user.admin': (_params, ctx) => done(ctx.auth.isAdmin),
  'user.current': (_params, ctx) => {
    const user = currentUser(ctx);
    return user ? done(userView(user, ctx)) : { ok: false, error: SYSTEM.noAuth() };
  },
  'user.get': (params, ctx) => {
    const filter = { ...asRecord(param(params, 'filter')), ...asRecord(param(params, 'FILTER')) };
    const id = param(params, 'ID') ?? filter.ID;
    const active = filter.ACTIVE;
    const rows = ctx.state.users.filter((user) =>
      (id === undefined || (Array.isArray(id) ? id.map(String) : [String(id)]).includes(String(user.id)))
      && (active === undefined || String(user.active ? 'Y' : 'N') === String(active === true ? 'Y' : active)));
    const start = Math.max(0, Number(param(params, 'start') ?? 0) || 0);
    const page = rows.slice(start, start + 50).map((user) => userView(user, ctx));
    return done(page, { total: rows.length, next: start + 50 < rows.length ? start + 50 : undefined, rows: page.length });
  },
  profile: (_params, ctx) => {
    const user = currentUser(ctx);
    if (!user) return { ok: false, error: SYSTEM.noAuth() };
    return done({ ID: String(user.id), ADMIN: ctx.auth.isAdmin, NAME: user.firstName, LAST_NAME: user.lastName, PERSONAL_GENDER: '', TIME_ZONE: 'Europe/Moscow' });
  },
};
