import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { KamError, isKamError, type Result } from '../core/errors';
import { invalidField, queryField } from '../core/query-field';
import type { Lang } from '../core/i18n/format-values';
import type {
  AccountView, Granularity, PortfolioView, SettingsHistoryEntry, SettingsPreview, SettingsSaved, SettingsView,
} from '../ui/api-types';
import type { CallerCredentials, CallerVerifier, PageCaller } from './page-caller';
import { langOf } from './pages.routes';

/**
 * The pages' JSON API. Every call is verified with the CRM first (the frame's credentials in
 * headers: X-Kam-Crm, X-Kam-Member-Id + X-Kam-Auth for Bitrix24, Authorization: Bearer for the
 * amoCRM disposable token); settings are for administrators only. A use case not wired on this
 * server answers 503 with a message saying so: nothing here invents data.
 */
export interface ReportFile {
  body: Buffer;
  filename: string;
  contentType: string;
}

export interface PageUseCases {
  accountView?: (caller: PageCaller, query: { entity: 'company' | 'contact' | 'deal'; id: string }) => Promise<AccountView>;
  portfolio?: (caller: PageCaller, query: { period: Granularity; asOf: string | null }) => Promise<PortfolioView>;
  report?: (caller: PageCaller, query: { period: Granularity; asOf: string | null; format: 'xlsx' | 'csv'; lang: Lang }) => Promise<ReportFile>;
  settings?: {
    view(caller: PageCaller): Promise<SettingsView>;
    /** Validation failures come back as INPUT_INVALID with `details.fields` (JSON path -> message). */
    preview(caller: PageCaller, input: unknown): Promise<Result<SettingsPreview>>;
    save(caller: PageCaller, input: unknown): Promise<Result<SettingsSaved>>;
    history(caller: PageCaller): Promise<SettingsHistoryEntry[]>;
  };
}

export interface ApiRoutesDeps {
  verifier: CallerVerifier;
  defaultLang: Lang;
  useCases: PageUseCases;
}

type Handler = (req: Request, res: Response, caller: PageCaller) => Promise<void>;
/** A query field given once, as text (`period[]=month` or a repeated field is a 400 naming it, never the default). */
const queryText = (req: Request, name: string): string => {
  const field = queryField(req.query as Record<string, unknown>, name);
  if (!field.ok) throw field.error;
  return field.value;
};
/** The settings draft is a JSON object; a list, a string or null is refused (a list would read as an empty draft). */
const draftBody = (req: Request): Record<string, unknown> => {
  const body = req.body as unknown;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badInput('The settings must be sent as a JSON object', 'body');
  return body as Record<string, unknown>;
};
const GRANULARITIES: readonly Granularity[] = ['month', 'quarter', 'year'];

const unavailable = (what: string) => new KamError('CRM_UNAVAILABLE', `${what} is not available on this server yet`, { status: 503, retryable: false });
const badInput = (message: string, field: string) => invalidField(field, message);

function credentialsOf(req: Request): CallerCredentials {
  if (req.get('X-Kam-Crm') === 'amocrm') return { crm: 'amocrm', token: (req.get('Authorization') ?? '').replace(/^Bearer\s+/i, '') };
  return { crm: 'bitrix24', memberId: req.get('X-Kam-Member-Id') ?? '', authId: req.get('X-Kam-Auth') ?? '' };
}

function periodQuery(req: Request): { period: Granularity; asOf: string | null } {
  const period = queryText(req, 'period') || 'quarter';
  if (!(GRANULARITIES as readonly string[]).includes(period)) throw badInput('period must be month, quarter or year', 'period');
  const asOf = queryText(req, 'asOf') || null;
  if (asOf !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf)))) throw badInput('asOf must be a date (YYYY-MM-DD)', 'asOf');
  return { period: period as Granularity, asOf };
}

const ENTITIES = ['deal', 'company', 'contact'] as const;

/** The card the card tab shows: exactly one of deal, company or contact, a numeric id. */
function accountQuery(req: Request): { entity: (typeof ENTITIES)[number]; id: string } {
  const given = ENTITIES.map((entity) => ({ entity, id: queryText(req, entity) })).filter((field) => field.id !== '');
  const [first] = given;
  if (given.length !== 1 || !first) throw badInput('one of deal, company or contact must be given', 'entity');
  if (!/^[1-9]\d{0,18}$/.test(first.id)) throw badInput(`${first.entity} must be a numeric id`, first.entity);
  return first;
}

function sendError(res: Response, error: KamError): void {
  const fields = error.details.fields as Record<string, string> | undefined;
  res.status(error.status).json({ error: { code: error.code, message: error.message, ...(fields ? { fields } : {}) } });
}

export function apiRoutes(deps: ApiRoutesDeps): Router {
  const router = Router();
  const json = express.json({ limit: '256kb' });
  const { useCases } = deps;

  const guarded = (handler: Handler, options: { admin?: boolean } = {}) => async (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const lang = langOf(req.get('Accept-Language') ?? '', deps.defaultLang);
      const verified = await deps.verifier.verify(credentialsOf(req), lang);
      if (!verified.ok) return sendError(res, verified.error);
      if (options.admin && !(await verified.value.isAdmin())) {
        return sendError(res, new KamError('FORBIDDEN', 'Only a CRM administrator may read or change the settings'));
      }
      await handler(req, res, verified.value);
    } catch (error) {
      if (isKamError(error) && error.status < 500) return sendError(res, error);
      if (isKamError(error) && error.status === 503) return sendError(res, error);
      next(error);
    }
  };
  const answer = async <T>(res: Response, result: Result<T>) => {
    if (result.ok) res.json(result.value);
    else sendError(res, result.error);
  };

  router.get('/api/account-view', guarded(async (req, res, caller) => {
    const query = accountQuery(req);
    if (!useCases.accountView) throw unavailable('The account view');
    res.json(await useCases.accountView(caller, query));
  }));

  router.get('/api/portfolio', guarded(async (req, res, caller) => {
    const query = periodQuery(req);
    if (!useCases.portfolio) throw unavailable('The portfolio report');
    res.json(await useCases.portfolio(caller, query));
  }));

  for (const format of ['xlsx', 'csv'] as const) {
    router.get(`/api/report.${format}`, guarded(async (req, res, caller) => {
      const query = { ...periodQuery(req), format, lang: langOf(queryText(req, 'lang'), caller.lang) };
      if (!useCases.report) throw unavailable('The report export');
      const file = await useCases.report(caller, query);
      res.setHeader('Content-Disposition', `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`);
      res.type(file.contentType).send(file.body);
    }));
  }

  router.get('/api/settings', guarded(async (_req, res, caller) => {
    if (!useCases.settings) throw unavailable('The settings');
    res.json(await useCases.settings.view(caller));
  }, { admin: true }));

  router.post('/api/settings/preview', json, guarded(async (req, res, caller) => {
    const draft = draftBody(req);
    if (!useCases.settings) throw unavailable('The settings preview');
    await answer(res, await useCases.settings.preview(caller, draft));
  }, { admin: true }));

  router.post('/api/settings', json, guarded(async (req, res, caller) => {
    const draft = draftBody(req);
    if (!useCases.settings) throw unavailable('Saving the settings');
    await answer(res, await useCases.settings.save(caller, draft));
  }, { admin: true }));

  router.get('/api/settings/history', guarded(async (_req, res, caller) => {
    if (!useCases.settings) throw unavailable('The settings history');
    res.json(await useCases.settings.history(caller));
  }, { admin: true }));

  return router;
}
