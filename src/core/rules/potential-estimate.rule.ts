import { i18n, type Lang } from '../i18n/messages';
import type { NextStepRulesConfig } from './next-step-rules-config';
import type { NextStepRule } from './next-step-rules';
import { numberField, type RuleContext } from './rule-context';

type Config = NextStepRulesConfig['rules']['potentialEstimate'];

/** Why the account looks promising, or null when it does not (then nobody is asked). */
function promise(ctx: RuleContext, config: Config, lang: Lang): string | null {
  const { t, fmt } = i18n(lang);
  const forecast = ctx.potentialForecast3y;
  if (forecast !== null && forecast >= config.minForecast && forecast > 0) {
    return t('step.potential.whyForecast')(fmt.moneyShort(forecast, ctx.currency));
  }
  const topCount = Math.ceil(ctx.accountCount * config.topRevenueShare);
  if (ctx.revenue12m > 0 && ctx.revenueRank <= topCount) {
    return t('step.potential.whyTop')(fmt.moneyShort(ctx.revenue12m, ctx.currency), fmt.percent(config.topRevenueShare));
  }
  return null;
}

/**
 * Asks the owner of a promising account to enter a potential estimate when none is entered.
 * Until someone does, the account's tier rests on the engine's forecast from consumption
 * (docs/kpi.md section 7); a KAM who knows the client's plans gives a better number. One ask
 * per account and quarter; it closes as soon as a potential is entered. The planner caps the
 * asks per owner per day and in all (maxPerOwnerPerDay, maxShareOfAccounts).
 */
export const potentialEstimate: NextStepRule<'potentialEstimate'> = {
  key: 'potentialEstimate',
  id: 'potential-estimate',
  fire(ctx, config, lang) {
    if (numberField(ctx.fields, config.field) !== null) return null;
    const why = promise(ctx, config, lang);
    if (why === null) return null;
    const { t } = i18n(lang);
    return { cycle: ctx.todayQuarter, title: t('step.potential.title')(ctx.name), description: t('step.potential.text')(ctx.name, why) };
  },
  closeReason(ctx, config, _cycle, lang) {
    const entered = numberField(ctx.fields, config.field);
    if (entered === null) return null;
    const { t, fmt } = i18n(lang);
    return t('step.potential.closed')(fmt.moneyShort(entered, ctx.currency));
  },
};
