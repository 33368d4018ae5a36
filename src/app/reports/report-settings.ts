import type { Lang } from '../../core/i18n/format-values';
import type { CrmKind, Installation } from '../../core/ports/installation-store.port';
import type { CrmTraits } from '../../core/ports/crm-connector.port';
import { readSettings } from '../installation-settings';
import type { ReportSettings } from './portfolio-reports';

export type ReportTraits = Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency' | 'defaultFieldMap'>;

/** A CRM this process has no traits for: no "own company" flag to skip, roubles until the CRM says. */
const NEUTRAL_TRAITS: ReportTraits = { defaultCurrency: 'RUB', defaultFieldMap: {} };

/**
 * What a report needs of an installation: its criteria, rules, language and whether contacts
 * are accounts (its settings), and its CRM's traits (from the connector registry the caller has).
 */
export function reportSettingsOf(deps: { defaultLang: Lang; traitsOf: (kind: CrmKind) => ReportTraits | null | undefined }) {
  return (installation: Installation): ReportSettings & { lang: Lang } => {
    const traits = deps.traitsOf(installation.crm) ?? NEUTRAL_TRAITS;
    const settings = readSettings(installation, deps.defaultLang, traits);
    return { criteria: settings.criteria, rules: settings.rules, contactsAsAccounts: settings.contactsAsAccounts, lang: settings.lang, traits };
  };
}
