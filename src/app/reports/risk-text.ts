import type { I18n } from '../../core/i18n/messages';
import type { RiskReason } from './report-types';

/** One risk reason as a sentence in the reader's language (pages, exports, printed reports). */
export function riskText(reason: RiskReason, { t, fmt }: I18n): string {
  switch (reason.kind) {
    case 'revenueFalling':
      return t('risk.revenueFalling')(fmt.percent(Math.abs(reason.growthYoY)));
    case 'lowSatisfaction':
      return t('risk.lowSatisfaction')(fmt.number(reason.satisfaction, 1), fmt.number(reason.below, 1));
    case 'contractEnding':
      if (reason.daysLeft < 0) return t('risk.contractEnded')(fmt.date(reason.contractEnd));
      return t('risk.contractEnding')(fmt.date(reason.contractEnd), fmt.count(reason.daysLeft, t('plural.day')));
    case 'noRecentWin':
      return reason.daysSinceLastWon === null ? t('risk.neverWon') : t('risk.noRecentWin')(fmt.count(reason.daysSinceLastWon, t('plural.day')));
  }
}
