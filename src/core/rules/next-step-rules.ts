import { formatDays, formatMoney, formatNumber, formatPercent, type Lang } from '../i18n/format-values';
import { change } from '../kpi/account-kpis';
import type { NextStepRulesConfig, RuleKey } from './next-step-rules-config';
import { potentialEstimate } from './potential-estimate.rule';
import { dateField, numberField, say, type Firing, type RuleContext } from './rule-context';

/** One next-step rule: when it fires (and with which cycle), and why an open task may close. */
export interface NextStepRule<K extends RuleKey = RuleKey> {
  key: K;
  /** Stable id used in dedup keys and the ledger. */
  id: string;
  fire(ctx: RuleContext, config: NextStepRulesConfig['rules'][K], lang: Lang): Firing | null;
  /** Why an open task of this rule (with `cycle`) should close now, or null to keep it. */
  closeReason(ctx: RuleContext, config: NextStepRulesConfig['rules'][K], cycle: string, lang: Lang): string | null;
}

const noContact: NextStepRule<'noContact'> = {
  key: 'noContact',
  id: 'no-contact',
  fire(ctx, config, lang) {
    const last = dateField(ctx.fields, 'lastActivityAt');
    if (last === null) {
      if (!config.whenNeverContacted) return null;
      return {
        cycle: 'never',
        title: say(lang, `Call ${ctx.name}: no contact on record`, `Позвонить в ${ctx.name}: контактов не зафиксировано`),
        description: say(lang,
          `There is no recorded contact with ${ctx.name}. Call the decision maker, confirm current needs and agree the next step.`,
          `С клиентом ${ctx.name} не зафиксировано ни одного контакта. Позвоните лицу, принимающему решения, уточните текущие потребности и договоритесь о следующем шаге.`),
      };
    }
    const silent = ctx.today - last.day;
    if (silent < config.days) return null;
    return {
      cycle: last.date,
      title: say(lang, `Call ${ctx.name}: no contact for ${formatDays(silent, lang)}`, `Позвонить в ${ctx.name}: нет контакта ${formatDays(silent, lang)}`),
      description: say(lang,
        `The last recorded contact with ${ctx.name} was on ${last.date}, ${formatDays(silent, lang)} ago (the rule allows ${formatDays(config.days, lang)}). Call the decision maker, confirm current needs and agree the next step.`,
        `Последний контакт с клиентом ${ctx.name} был ${last.date}, ${formatDays(silent, lang)} назад (правило допускает не больше ${formatDays(config.days, lang)}). Позвоните лицу, принимающему решения, уточните текущие потребности и договоритесь о следующем шаге.`),
    };
  },
  closeReason(ctx, _config, cycle, lang) {
    const last = dateField(ctx.fields, 'lastActivityAt');
    if ((last?.date ?? 'never') === cycle) return null;
    return say(lang, `Contact made: the last activity is now ${last?.date ?? 'unknown'}.`, `Контакт состоялся: последняя активность теперь ${last?.date ?? 'неизвестна'}.`);
  },
};

const contractRenewal: NextStepRule<'contractRenewal'> = {
  key: 'contractRenewal',
  id: 'contract-renewal',
  fire(ctx, config, lang) {
    const end = dateField(ctx.fields, 'contractEnd');
    if (end === null) return null;
    const left = end.day - ctx.today;
    if (left > config.days || left < -config.graceDays) return null;
    const when = left >= 0 ? say(lang, `in ${formatDays(left, lang)}`, `через ${formatDays(left, lang)}`) : say(lang, `${formatDays(-left, lang)} ago`, `${formatDays(-left, lang)} назад`);
    return {
      cycle: end.date,
      title: say(lang, `Start renewal talks with ${ctx.name}: contract ends ${end.date}`, `Начать переговоры о продлении с ${ctx.name}: договор до ${end.date}`),
      description: say(lang,
        `The contract with ${ctx.name} ends on ${end.date} (${when}). Review the results of the term, prepare the renewal offer and agree the terms before the end date.`,
        `Договор с ${ctx.name} заканчивается ${end.date} (${when}). Подведите итоги периода, подготовьте предложение о продлении и согласуйте условия до даты окончания.`),
    };
  },
  closeReason(ctx, config, cycle, lang) {
    const end = dateField(ctx.fields, 'contractEnd');
    if (end === null) return say(lang, 'The contract end date was removed.', 'Дата окончания договора удалена.');
    if (end.date !== cycle) return say(lang, `The contract now ends on ${end.date} (renewed or changed).`, `Договор теперь заканчивается ${end.date} (продлён или изменён).`);
    if (ctx.today - end.day > config.graceDays) {
      return say(lang, `The contract ended on ${end.date}; the renewal window is over.`, `Договор закончился ${end.date}; окно для продления прошло.`);
    }
    return null;
  },
};

/** Quarter-on-quarter revenue change of the report quarter when it counts as a drop, else null. */
function quarterDrop(ctx: RuleContext, config: NextStepRulesConfig['rules']['revenueDrop']): number | null {
  const { revenue, previousRevenue } = ctx.quarterKpis;
  const growth = change(revenue, previousRevenue);
  if (growth === null || previousRevenue < config.minPreviousRevenue) return null;
  return growth < -config.dropShare ? growth : null;
}

const revenueDrop: NextStepRule<'revenueDrop'> = {
  key: 'revenueDrop',
  id: 'revenue-drop',
  fire(ctx, config, lang) {
    const growth = quarterDrop(ctx, config);
    if (growth === null) return null;
    const { revenue, previousRevenue } = ctx.quarterKpis;
    const drop = formatPercent(-growth, lang);
    return {
      cycle: ctx.reportQuarter,
      title: say(lang, `Review account ${ctx.name}: revenue down ${drop} in ${ctx.reportQuarter}`, `Разобрать клиента ${ctx.name}: выручка упала на ${drop} в ${ctx.reportQuarter}`),
      description: say(lang,
        `Revenue in ${ctx.reportQuarter} was ${formatMoney(revenue, lang)} against ${formatMoney(previousRevenue, lang)} in the quarter before. Find the cause (a lost product line, a competitor, a budget cut) and agree a recovery plan with the customer.`,
        `Выручка в ${ctx.reportQuarter} составила ${formatMoney(revenue, lang)} против ${formatMoney(previousRevenue, lang)} кварталом ранее. Найдите причину (ушла товарная линия, конкурент, сокращение бюджета) и согласуйте с клиентом план восстановления.`),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    if (quarterDrop(ctx, config) !== null) return null;
    const growth = change(ctx.quarterKpis.revenue, ctx.quarterKpis.previousRevenue);
    const shown = growth === null ? say(lang, 'no comparison base', 'нет базы для сравнения') : formatPercent(growth, lang, true);
    return say(lang, `Revenue no longer dropping: ${ctx.reportQuarter} ${shown} on the quarter before.`, `Выручка больше не падает: ${ctx.reportQuarter} ${shown} к предыдущему кварталу.`);
  },
};

const keyAccountPlan: NextStepRule<'keyAccountPlan'> = {
  key: 'keyAccountPlan',
  id: 'key-account-plan',
  fire(ctx, config, lang) {
    if (ctx.tier !== config.keyTier || ctx.previousTier === config.keyTier) return null;
    const from = ctx.previousTier ? ctx.tierName(ctx.previousTier) : say(lang, 'no tier', 'без уровня');
    const to = ctx.tierName(config.keyTier);
    return {
      cycle: ctx.todayQuarter,
      title: say(lang, `Write an account plan for ${ctx.name}: now a key account`, `Составить план работы с ${ctx.name}: теперь ключевой клиент`),
      description: say(lang,
        `${ctx.name} moved from "${from}" to "${to}" with a score of ${formatNumber(ctx.score, lang)}. Draft the account plan: goals for the year, decision makers, potential to unlock, risks and the contact rhythm.`,
        `${ctx.name} перешёл из уровня «${from}» в «${to}» с баллом ${formatNumber(ctx.score, lang)}. Составьте план работы с клиентом: цели на год, лица, принимающие решения, потенциал роста, риски и ритм контактов.`),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    if (ctx.tier === config.keyTier) return null;
    return say(lang, `No longer a key account (tier now "${ctx.tierName(ctx.tier)}").`, `Больше не ключевой клиент (уровень теперь «${ctx.tierName(ctx.tier)}»).`);
  },
};

const lowSatisfaction: NextStepRule<'lowSatisfaction'> = {
  key: 'lowSatisfaction',
  id: 'low-satisfaction',
  fire(ctx, config, lang) {
    const score = numberField(ctx.fields, 'satisfaction');
    if (score === null || score >= config.below) return null;
    const shown = formatNumber(score, lang);
    return {
      cycle: ctx.todayQuarter,
      title: say(lang, `Call ${ctx.name} about the problem: satisfaction ${shown}`, `Позвонить в ${ctx.name} по проблеме: удовлетворённость ${shown}`),
      description: say(lang,
        `The latest satisfaction score of ${ctx.name} is ${shown}, below ${formatNumber(config.below, lang)}. Call to find out what went wrong, fix it and confirm the fix with the customer.`,
        `Последняя оценка удовлетворённости ${ctx.name} — ${shown}, ниже ${formatNumber(config.below, lang)}. Позвоните, выясните, что пошло не так, устраните проблему и подтвердите решение с клиентом.`),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    const score = numberField(ctx.fields, 'satisfaction');
    if (score !== null && score < config.below) return null;
    return score === null
      ? say(lang, 'The satisfaction score was removed.', 'Оценка удовлетворённости удалена.')
      : say(lang, `Satisfaction is now ${formatNumber(score, lang)}.`, `Удовлетворённость теперь ${formatNumber(score, lang)}.`);
  },
};

const wonFollowUp: NextStepRule<'wonFollowUp'> = {
  key: 'wonFollowUp',
  id: 'won-follow-up',
  fire(ctx, _config, lang) {
    const deal = ctx.recentWon;
    if (deal === null) return null;
    const amount = formatMoney(deal.amount, lang, deal.currency);
    return {
      cycle: deal.id,
      ownerId: deal.ownerId,
      title: say(lang, `Follow up with ${ctx.name} after delivery of deal ${deal.id}`, `Связаться с ${ctx.name} после поставки по сделке ${deal.id}`),
      description: say(lang,
        `Deal ${deal.id} for ${amount} was won on ${deal.closedAt}. Check that delivery went well, collect feedback and ask about the next need.`,
        `Сделка ${deal.id} на ${amount} выиграна ${deal.closedAt}. Убедитесь, что поставка прошла хорошо, соберите обратную связь и спросите о следующей потребности.`),
    };
  },
  closeReason(ctx, _config, cycle, lang) {
    const deal = ctx.wonDeals.get(cycle);
    if (deal && deal.accountId === ctx.accountId) return null;
    return say(lang, `Deal ${cycle} is no longer won.`, `Сделка ${cycle} больше не в статусе «выиграна».`);
  },
};

/** The default rule set, in the order their tasks are preferred when a daily cap bites. */
export const NEXT_STEP_RULES: ReadonlyArray<NextStepRule> = [
  contractRenewal, lowSatisfaction, revenueDrop, noContact, potentialEstimate, keyAccountPlan, wonFollowUp,
] as ReadonlyArray<NextStepRule>;
