import type { Router } from 'express';
import type { CrmApp } from '../app/crm-app';
import type { Lang } from '../core/i18n/format-values';
import type { Granularity } from '../core/model/periods';
import type { CrmRegistry } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import { createPortfolioReports } from '../app/reports/portfolio-reports';
import { reportSettingsOf } from '../app/reports/report-settings';
import { reportToCsv } from '../app/reports/exports/export-csv';
import { reportToXlsx } from '../app/reports/exports/export-xlsx';
import type { Storage } from '../core/ports/storage.port';
import { toPortfolioView } from '../ui/portfolio-view.mapper';
import { createAccountPageView } from './account-page-view';
import { apiRoutes, type PageUseCases } from './api.routes';
import { bitrix24FrameChecks } from './bitrix24-frame-checks';
import { createCallerVerifier, type PageCaller } from './page-caller';
import type { PageTokens } from './page-tokens';
import { pagesRoutes } from './pages.routes';
import { settingsPageUseCases } from './settings-page';

/**
 * The pages and their API on the app's use cases: the card tab reads the account view; the
 * portfolio and its exports read the portfolio report (a manager sees their own accounts, an
 * administrator all); the settings page previews and saves through src/app/settings.
 */
export interface PageRoutersDeps {
  app: Pick<CrmApp, 'accountView' | 'runCycle'>;
  storage: Storage;
  connectors: CrmRegistry;
  defaultLang: Lang;
  /** Bitrix24: is the frame token's user an administrator (user.admin)? From the composition root. */
  bitrix24Admin?: (installation: Installation, accessToken: string) => Promise<boolean>;
  /** Bitrix24: the frame token's user id (user.current). */
  bitrix24UserId?: (installation: Installation, accessToken: string) => Promise<string | null>;
  /** amoCRM: signed page tokens for the advanced settings iframe. */
  amoPageTokens?: PageTokens;
  now?: () => Date;
}

export function pageRouters(deps: PageRoutersDeps): Router[] {
  const bitrix24 = deps.connectors.bitrix24;
  const verifier = createCallerVerifier({
    ...(bitrix24 && deps.bitrix24Admin ? { bitrix24: bitrix24FrameChecks({ inbound: bitrix24.inbound, askAdmin: deps.bitrix24Admin, ...(deps.bitrix24UserId ? { askUserId: deps.bitrix24UserId } : {}) }) } : {}),
    ...(deps.amoPageTokens ? { amocrm: deps.amoPageTokens.checks() } : {}),
  });
  const reports = createPortfolioReports({
    storage: deps.storage,
    settingsOf: reportSettingsOf({ defaultLang: deps.defaultLang, traitsOf: (kind) => deps.connectors[kind]?.traits }),
    ...(deps.now ? { now: deps.now } : {}),
  });
  /** The report of the asked period, cut to what the caller may see in the CRM. */
  const visibleReport = async (caller: PageCaller, query: { period: Granularity; asOf: string | null }) => {
    const [isAdmin, userId] = await Promise.all([caller.isAdmin(), caller.userId()]);
    return reports.visibleReport({ installationId: caller.installation.id, granularity: query.period, ...(query.asOf ? { asOf: query.asOf } : {}) }, { isAdmin, userId: userId ?? '' });
  };
  const accountPageView = createAccountPageView(deps);
  const useCases: PageUseCases = {
    settings: settingsPageUseCases({
      storage: deps.storage, connectors: deps.connectors, defaultLang: deps.defaultLang,
      // A save re-evaluates and writes back at once (an incremental cycle, the same day the preview used).
      afterSave: (installationId) => void deps.app.runCycle(installationId, 'incremental').catch(() => undefined),
      ...(deps.now ? { now: deps.now } : {}),
    }),
    portfolio: async (caller, query) => {
      const links = deps.connectors[caller.installation.crm]?.links;
      const [report, history] = await Promise.all([visibleReport(caller, query), deps.storage.settingsHistory.list(caller.installation.id)]);
      return toPortfolioView(report, caller.lang, links ? { links, installation: caller.installation } : null, history);
    },
    async report(caller, query) {
      const report = await visibleReport(caller, query);
      const name = `kam-report-${report.granularity}-${report.period.end}.${query.format}`;
      return query.format === 'xlsx'
        ? { body: await reportToXlsx(report, query.lang, await deps.storage.settingsHistory.list(caller.installation.id)), filename: name, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }
        : { body: await reportToCsv(report, query.lang, { bom: true }), filename: name, contentType: 'text/csv; charset=utf-8' };
    },
    accountView: (caller, query) => accountPageView(caller.installation, caller.lang, query),
  };
  return [pagesRoutes({ verifier, defaultLang: deps.defaultLang }), apiRoutes({ verifier, defaultLang: deps.defaultLang, useCases })];
}
