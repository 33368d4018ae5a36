import type { Lang } from '../../core/i18n/format-values';
import type { CrmSetupOptions } from '../../core/ports/crm-connector.port';

/**
 * The tier field's list as configured: what a connector's list items must carry (one item per
 * tier id, labelled in the installation language). Its signature is kept in the connector's slot,
 * so `isSetUp` notices a saved rename, addition or relabel without asking the CRM.
 */
export type TierListOptions = Pick<CrmSetupOptions, 'tiers' | 'lang'>;

export const tierLabel = (tier: CrmSetupOptions['tiers'][number], lang: Lang): string => (lang === 'ru' ? tier.ru : tier.en);

export function tierListSignature(options: TierListOptions): string {
  return JSON.stringify(options.tiers.map((tier) => [tier.id.toUpperCase(), tierLabel(tier, options.lang)]));
}
