import type { Router } from 'express';
import type { CrmApp } from '../app/crm-app';
import { readSettings } from '../app/installation-settings';
import type { Lang } from '../core/i18n/format-values';
import type { CrmRegistry } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import { fillLabel, metricLabel } from '../core/scoring/metric-labels';
import { toAccountPageView } from '../ui/account-view.mapper';
import { apiRoutes, type PageUseCases } from './api.routes';
import { bitrix24FrameChecks } from './bitrix24-frame-checks';
import { createCallerVerifier } from './page-caller';
import type { PageTokens } from './page-tokens';
import { pagesRoutes } from './pages.routes';

/**
 * The pages and their API, wired to the use cases that exist: the card tab reads the app's
 * account view. The portfolio, exports and settings answer 503 until their use cases are wired
 * here (src/app/reports, src/app/settings).
 */
export interface PageRoutersDeps {
  app: Pick<CrmApp, 'accountView'>;
  connectors: CrmRegistry;
  defaultLang: Lang;
  /** Bitrix24: is the frame token's user an administrator (user.admin)? From the composition root. */
  bitrix24Admin?: (installation: Installation, accessToken: string) => Promise<boolean>;
  /** amoCRM: signed page tokens for the advanced settings iframe. */
  amoPageTokens?: PageTokens;
  now?: () => Date;
}

export function pageRouters(deps: PageRoutersDeps): Router[] {
  const bitrix24 = deps.connectors.bitrix24;
  const verifier = createCallerVerifier({
    ...(bitrix24 && deps.bitrix24Admin ? { bitrix24: bitrix24FrameChecks({ inbound: bitrix24.inbound, askAdmin: deps.bitrix24Admin }) } : {}),
    ...(deps.amoPageTokens ? { amocrm: deps.amoPageTokens.checks() } : {}),
  });
  const useCases: PageUseCases = {
    async accountView(caller, query) {
      const traits = deps.connectors[caller.installation.crm]?.traits ?? { defaultFieldMap: {} };
      const { criteria } = readSettings(caller.installation, deps.defaultLang, traits);
      const view = await deps.app.accountView({
        installationId: caller.installation.id,
        lang: caller.lang,
        ...(query.entity === 'deal' ? { dealId: query.id } : query.entity === 'contact' ? { contactId: query.id } : { accountId: query.id }),
      });
      return toAccountPageView(view, {
        lang: caller.lang,
        today: (deps.now?.() ?? new Date()).toISOString().slice(0, 10),
        criteria: criteria.criteria.map((c) => ({ id: c.id, label: fillLabel(metricLabel(c.metric, caller.lang, c.label), null) })),
        tiers: criteria.tiers,
      });
    },
  };
  return [pagesRoutes({ verifier, defaultLang: deps.defaultLang }), apiRoutes({ verifier, defaultLang: deps.defaultLang, useCases })];
}
