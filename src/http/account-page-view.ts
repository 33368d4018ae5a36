import type { CrmApp } from '../app/crm-app';
import { readSettings } from '../app/installation-settings';
import type { Lang } from '../core/i18n/format-values';
import type { CrmRegistry } from '../core/ports/crm-connector.port';
import type { Installation } from '../core/ports/installation-store.port';
import type { AccountView } from '../ui/api-types';
import { toAccountPageView } from '../ui/account-view.mapper';

/** Which card asks: a company, a contact (as an account) or a deal. */
export interface CardTarget {
  entity: 'company' | 'contact' | 'deal';
  id: string;
}

/**
 * The card tab's answer for the browser, the same for both CRMs (the Bitrix24 page API and the
 * amoCRM widget route): the page-facing view only, never the stored view with its installation,
 * ledger keys and the portal's user list.
 */
export function createAccountPageView(deps: { app: Pick<CrmApp, 'accountView'>; connectors: CrmRegistry; defaultLang: Lang; now?: () => Date }) {
  /** lang null: the installation's language. */
  return async (installation: Installation, asked: Lang | null, target: CardTarget | null): Promise<AccountView> => {
    const traits = deps.connectors[installation.crm]?.traits ?? { defaultFieldMap: {} };
    const settings = readSettings(installation, deps.defaultLang, traits);
    const { criteria } = settings;
    const lang = asked ?? settings.lang;
    const view = await deps.app.accountView({
      installationId: installation.id,
      lang,
      ...(target?.entity === 'deal' ? { dealId: target.id } : target?.entity === 'contact' ? { contactId: target.id } : target ? { accountId: target.id } : {}),
    });
    return toAccountPageView(view, {
      lang,
      crmLang: settings.lang,
      today: (deps.now?.() ?? new Date()).toISOString().slice(0, 10),
      criteria: Object.entries(view.criterionLabels).map(([id, label]) => ({ id, label: label[lang] })),
      tiers: criteria.tiers,
    });
  };
}

export type AccountPageView = ReturnType<typeof createAccountPageView>;
