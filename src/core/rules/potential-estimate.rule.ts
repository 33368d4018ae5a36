import { formatMoney, formatPercent, type Lang } from '../i18n/format-values';
import type { NextStepRulesConfig } from './next-step-rules-config';
import type { NextStepRule } from './next-step-rules';
import { numberField, say, type RuleContext } from './rule-context';

type Config = NextStepRulesConfig['rules']['potentialEstimate'];

/** Why the account looks promising, or null when it does not (then nobody is asked). */
function promise(ctx: RuleContext, config: Config, lang: Lang): string | null {
  const forecast = ctx.potentialForecast3y;
  if (forecast !== null && forecast >= config.minForecast && forecast > 0) {
    const money = formatMoney(forecast, lang);
    return say(lang, `its purchase trend forecasts ${money} over the next 3 years`, `по динамике закупок прогноз на 3 года — ${money}`);
  }
  const topCount = Math.ceil(ctx.accountCount * config.topRevenueShare);
  if (ctx.revenue12m > 0 && ctx.revenueRank <= topCount) {
    const money = formatMoney(ctx.revenue12m, lang);
    const share = formatPercent(config.topRevenueShare, lang);
    return say(lang, `its revenue over the last 12 months, ${money}, is in the top ${share} of the portfolio`, `его выручка за 12 месяцев, ${money}, входит в ${share} крупнейших в портфеле`);
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
    return {
      cycle: ctx.todayQuarter,
      title: say(lang, `Estimate the 3-year potential of ${ctx.name}`, `Оценить потенциал ${ctx.name} на 3 года`),
      description: say(lang,
        `${ctx.name} looks promising: ${why}. Nobody has entered its potential over 3 years, so its tier rests on the forecast from purchases alone. Talk to the client about their plans and needs, estimate what they could buy from us over the next 3 years, and fill in “Potential over 3 years” in the company card.`,
        `${ctx.name} выглядит перспективным клиентом: ${why}. Потенциал на 3 года никто не вводил, поэтому уровень клиента опирается только на прогноз по закупкам. Обсудите с клиентом его планы и потребности, оцените, сколько он может купить у нас за 3 года, и заполните поле «Потенциал за 3 года» в карточке компании.`),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    const entered = numberField(ctx.fields, config.field);
    if (entered === null) return null;
    const money = formatMoney(entered, lang);
    return say(lang, `A potential over 3 years is entered now: ${money}.`, `Потенциал на 3 года теперь введён: ${money}.`);
  },
};
