import { i18n, type Lang } from '../i18n/messages';
import { change } from '../kpi/account-kpis';
import type { NextStepRulesConfig, RuleKey } from './next-step-rules-config';
import { potentialEstimate } from './potential-estimate.rule';
import { dateField, numberField, type Firing, type RuleContext } from './rule-context';

/**
 * One next-step rule: when it fires (and with which cycle), and why an open task may close.
 * Every text comes from the catalogue (src/core/i18n), with dates, money, numbers and day counts
 * formatted by its Intl formatter in the task's language: a CRM to-do never shows an ISO date.
 */
export interface NextStepRule<K extends RuleKey = RuleKey> {
  key: K;
  /** Stable id used in dedup keys and the ledger. */
  id: string;
  fire(ctx: RuleContext, config: NextStepRulesConfig['rules'][K], lang: Lang): Firing | null;
  /** Why an open task of this rule (with `cycle`) should close now, or null to keep it. */
  closeReason(ctx: RuleContext, config: NextStepRulesConfig['rules'][K], cycle: string, lang: Lang): string | null;
}

/** "45 days" / "45 дней". */
const days = (lang: Lang, value: number): string => {
  const { t, fmt } = i18n(lang);
  return fmt.count(value, t('plural.day'));
};

const noContact: NextStepRule<'noContact'> = {
  key: 'noContact',
  id: 'no-contact',
  fire(ctx, config, lang) {
    const { t, fmt } = i18n(lang);
    const last = dateField(ctx.fields, 'lastActivityAt');
    if (last === null) {
      if (!config.whenNeverContacted) return null;
      return { cycle: 'never', title: t('step.noContact.neverTitle')(ctx.name), description: t('step.noContact.neverText')(ctx.name) };
    }
    const silent = ctx.today - last.day;
    if (silent < config.days) return null;
    return {
      cycle: last.date,
      title: t('step.noContact.title')(ctx.name, days(lang, silent)),
      description: t('step.noContact.text')(ctx.name, fmt.date(last.date), days(lang, silent), days(lang, config.days)),
    };
  },
  closeReason(ctx, _config, cycle, lang) {
    const { t, fmt } = i18n(lang);
    const last = dateField(ctx.fields, 'lastActivityAt');
    if ((last?.date ?? 'never') === cycle) return null;
    return last === null ? t('step.noContact.activityRemoved') : t('step.noContact.closed')(fmt.date(last.date));
  },
};

const contractRenewal: NextStepRule<'contractRenewal'> = {
  key: 'contractRenewal',
  id: 'contract-renewal',
  fire(ctx, config, lang) {
    const { t, fmt } = i18n(lang);
    const end = dateField(ctx.fields, 'contractEnd');
    if (end === null) return null;
    const left = end.day - ctx.today;
    if (left > config.days || left < -config.graceDays) return null;
    const when = left >= 0 ? t('step.renewal.inDays')(days(lang, left)) : t('step.renewal.daysAgo')(days(lang, -left));
    const date = fmt.date(end.date);
    return { cycle: end.date, title: t('step.renewal.title')(ctx.name, date), description: t('step.renewal.text')(ctx.name, date, when) };
  },
  closeReason(ctx, config, cycle, lang) {
    const { t, fmt } = i18n(lang);
    const end = dateField(ctx.fields, 'contractEnd');
    if (end === null) return t('step.renewal.endRemoved');
    if (end.date !== cycle) return t('step.renewal.endChanged')(fmt.date(end.date));
    if (ctx.today - end.day > config.graceDays) return t('step.renewal.windowOver')(fmt.date(end.date));
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
    const { t, fmt } = i18n(lang);
    const growth = quarterDrop(ctx, config);
    if (growth === null) return null;
    const { revenue, previousRevenue } = ctx.quarterKpis;
    const quarter = fmt.period('quarter', ctx.reportQuarterStart);
    return {
      cycle: ctx.reportQuarter,
      title: t('step.revenueDrop.title')(ctx.name, fmt.percent(-growth), quarter),
      description: t('step.revenueDrop.text')(quarter, fmt.moneyShort(revenue, ctx.currency), fmt.moneyShort(previousRevenue, ctx.currency)),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    const { t, fmt } = i18n(lang);
    if (quarterDrop(ctx, config) !== null) return null;
    const growth = change(ctx.quarterKpis.revenue, ctx.quarterKpis.previousRevenue);
    const shown = growth === null ? t('step.revenueDrop.noBase') : fmt.percent(growth, { signed: true });
    return t('step.revenueDrop.closed')(fmt.period('quarter', ctx.reportQuarterStart), shown);
  },
};

const keyAccountPlan: NextStepRule<'keyAccountPlan'> = {
  key: 'keyAccountPlan',
  id: 'key-account-plan',
  fire(ctx, config, lang) {
    const { t, fmt } = i18n(lang);
    if (ctx.tier !== config.keyTier || ctx.previousTier === config.keyTier) return null;
    const from = ctx.previousTier ? ctx.tierName(ctx.previousTier) : t('step.keyPlan.noTier');
    return {
      cycle: ctx.todayQuarter,
      title: t('step.keyPlan.title')(ctx.name),
      description: t('step.keyPlan.text')(ctx.name, from, ctx.tierName(config.keyTier), fmt.number(ctx.score)),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    if (ctx.tier === config.keyTier) return null;
    return i18n(lang).t('step.keyPlan.closed')(ctx.tierName(ctx.tier));
  },
};

const lowSatisfaction: NextStepRule<'lowSatisfaction'> = {
  key: 'lowSatisfaction',
  id: 'low-satisfaction',
  fire(ctx, config, lang) {
    const { t, fmt } = i18n(lang);
    const score = numberField(ctx.fields, 'satisfaction');
    if (score === null || score >= config.below) return null;
    const shown = fmt.number(score);
    return {
      cycle: ctx.todayQuarter,
      title: t('step.satisfaction.title')(ctx.name, shown),
      description: t('step.satisfaction.text')(ctx.name, shown, fmt.number(config.below)),
    };
  },
  closeReason(ctx, config, _cycle, lang) {
    const { t, fmt } = i18n(lang);
    const score = numberField(ctx.fields, 'satisfaction');
    if (score !== null && score < config.below) return null;
    return score === null ? t('step.satisfaction.removed') : t('step.satisfaction.closed')(fmt.number(score));
  },
};

const wonFollowUp: NextStepRule<'wonFollowUp'> = {
  key: 'wonFollowUp',
  id: 'won-follow-up',
  fire(ctx, _config, lang) {
    const { t, fmt } = i18n(lang);
    const deal = ctx.recentWon;
    if (deal === null) return null;
    // The deal's id stays in the cycle (the dedup key) only: people read its title, or its date.
    const amount = fmt.money(deal.amount, deal.currency);
    const date = fmt.date(deal.closedAt);
    const won = deal.title === null ? t('step.wonFollowUp.wonUntitled')(amount, date) : t('step.wonFollowUp.won')(deal.title, amount, date);
    return {
      cycle: deal.id,
      ownerId: deal.ownerId,
      title: deal.title === null ? t('step.wonFollowUp.titleUntitled')(ctx.name, date) : t('step.wonFollowUp.title')(ctx.name, deal.title),
      description: `${won} ${t('step.wonFollowUp.ask')}`,
    };
  },
  closeReason(ctx, _config, cycle, lang) {
    const { t } = i18n(lang);
    const deal = ctx.wonDeals.get(cycle);
    if (deal && deal.accountId === ctx.accountId) return null;
    const title = ctx.dealTitle(cycle);
    return title === null ? t('step.wonFollowUp.closedUntitled') : t('step.wonFollowUp.closed')(title);
  },
};

/** The default rule set, in the order their tasks are preferred when a daily cap bites. */
export const NEXT_STEP_RULES: ReadonlyArray<NextStepRule> = [
  contractRenewal, lowSatisfaction, revenueDrop, noContact, potentialEstimate, keyAccountPlan, wonFollowUp,
] as ReadonlyArray<NextStepRule>;
