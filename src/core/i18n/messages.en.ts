import type { Granularity } from '../model/periods';
/**
 * The English message catalogue: the reference key set. messages.ru.ts must give every key
 * with the same parameters (the compiler checks it through `MessageCatalogue`). How to use and
 * extend it: see the comment at the top of ./messages.ts.
 */
export const en = {
  'granularity.month': 'Month',
  'granularity.quarter': 'Quarter',
  'granularity.year': 'Year',
  'common.none': '—',
  'common.newAccount': 'new',

  'kpi.period': 'Period',
  'kpi.revenue': 'Revenue',
  'kpi.customersStart': 'Customers at start',
  'kpi.customersEnd': 'Customers at end',
  'kpi.newCustomers': 'New or won back',
  'kpi.lostCustomers': 'Lost',
  'kpi.retentionRate': 'Retention',
  'kpi.churnRate': 'Churn',
  'kpi.nrr': 'NRR',
  'kpi.grr': 'GRR',

  'account.id': 'CRM id',
  'account.name': 'Account',
  'account.owner': 'Owner',
  'account.industry': 'Industry',
  'account.tier': 'Tier',
  'account.previousTier': 'Previous tier',
  'account.score': 'Score',
  'account.scoreChange': 'Score change',
  'account.revenue': 'Revenue in period',
  'account.previousRevenue': 'Revenue in previous period',
  'account.growth': 'Growth vs previous period',
  'account.revenue12m': 'Revenue 12m',
  'account.growthYoY': 'Growth 12m YoY',
  'account.ltv': 'LTV',
  'account.margin': 'Margin',
  'account.romi': 'ROMI (profit-based)',
  'account.abc': 'ABC',
  'account.xyz': 'XYZ',
  'account.contractEnd': 'Contract end',
  'account.satisfaction': 'Satisfaction',
  'account.daysSinceLastWon': 'Days since last won deal',
  'account.openSteps': 'Open next steps',
  'account.overdueSteps': 'Overdue next steps',
  'account.risks': 'Risks',

  // Bitrix24's standard INDUSTRY codes (crm_status ENTITY_ID=INDUSTRY) and the usual custom ones.
  'industry.MANUFACTURING': 'Manufacturing',
  'industry.IT': 'Information technology',
  'industry.CONSTRUCTION': 'Construction',
  'industry.RETAIL': 'Retail',
  'industry.DELIVERY': 'Delivery',
  'industry.TELECOM': 'Telecommunications',
  'industry.BANKING': 'Banking',
  'industry.FINANCE': 'Finance',
  'industry.CONSULTING': 'Consulting',
  'industry.GOVERNMENT': 'Government',
  'industry.ENTERTAINMENT': 'Entertainment',
  'industry.NOTPROFIT': 'Non-profit',
  'industry.ENERGY': 'Energy',
  'industry.OTHER': 'Other',

  'manager.name': 'Manager',
  'manager.accounts': 'Accounts',
  'manager.retention': 'Retention',

  'movement.from': 'From tier',
  'movement.to': 'To tier',
  'movement.count': 'Accounts',

  'sheet.portfolio': 'Portfolio',
  'sheet.accounts': 'Accounts',
  'sheet.movements': 'Tier movements',
  'sheet.managers': 'Managers',
  'sheet.risks': 'At risk',

  'report.title': (period: string) => `KAM Pilot · portfolio report, ${period}`,
  'report.madeBy': (ruleVersion: string, generatedAt: string) => `rules ${ruleVersion}, made ${generatedAt}`,
  'report.frozen': (version: number) => `frozen report, version ${version}`,
  'report.live': 'not frozen: the period is still open',
  'report.rulesChanged': (from: string, to: string) => `rules changed from ${from} to ${to} within the period`,

  'risk.revenueFalling': (growth: string) => `revenue over 12 months fell ${growth}`,
  'risk.lowSatisfaction': (value: string, below: string) => `satisfaction ${value}, below ${below}`,
  'risk.contractEnding': (date: string, days: string) => `contract ends ${date}, in ${days}`,
  'risk.contractEnded': (date: string) => `contract ended ${date}`,
  'risk.noRecentWin': (days: string) => `no won deal for ${days}`,
  'risk.neverWon': 'no won deal yet',

  // Plural forms by Intl.PluralRules category (en: one, other; ru: one, few, many, other).
  'plural.day': { one: 'day', other: 'days' },
  'plural.year': { one: 'year', other: 'years' },
  'plural.account': { one: 'account', other: 'accounts' },
  'plural.company': { one: 'company', other: 'companies' },
  'plural.contact': { one: 'contact', other: 'contacts' },
  'plural.deal': { one: 'deal', other: 'deals' },

  // The monthly KPI summary posted to the account's timeline (Bitrix24 comment / amoCRM note).
  'summary.title': (period: string) => `KAM Pilot · summary for ${period}`,
  'summary.tier': (tier: string, score: string) => `Tier: ${tier} · score ${score}`,
  'summary.revenue': (revenue: string, previous: string, period: Granularity = 'month') => `Revenue this ${period}: ${revenue} (previous: ${previous})`,
  'summary.revenue12m': (revenue: string, growth: string) => `Revenue, last 12 months: ${revenue} · YoY growth: ${growth}`,
  'summary.classes': (abc: string, xyz: string, ltv: string) => `ABC/XYZ: ${abc}${xyz} · LTV: ${ltv}`,
  'summary.why': 'Why this score:',
  'crm.todoClosed': 'Closed by KAM Pilot: the reason for this task is gone.',

  // Next-step to-dos (CRM task title and text) and why an open one was closed. Values come formatted.
  'step.accountGone': 'The account is no longer in the portfolio.',
  'step.tierLeft': (tier: string) => `The account left the tiers this rule watches (now "${tier}").`,
  'step.noContact.neverTitle': (name: string) => `Call ${name}: no contact on record`,
  'step.noContact.neverText': (name: string) =>
    `There is no recorded contact with ${name}. Call the decision maker, confirm current needs and agree the next step.`,
  'step.noContact.title': (name: string, silent: string) => `Call ${name}: no contact for ${silent}`,
  'step.noContact.text': (name: string, date: string, silent: string, allowed: string) =>
    `The last recorded contact with ${name} was on ${date}, ${silent} ago (the rule allows ${allowed}). Call the decision maker, confirm current needs and agree the next step.`,
  'step.noContact.closed': (date: string) => `Contact made: the last activity is now ${date}.`,
  'step.noContact.activityRemoved': 'The last activity date was removed.',
  'step.renewal.title': (name: string, date: string) => `Start renewal talks with ${name}: contract ends ${date}`,
  'step.renewal.text': (name: string, date: string, when: string) =>
    `The contract with ${name} ends on ${date} (${when}). Review the results of the term, prepare the renewal offer and agree the terms before the end date.`,
  'step.renewal.inDays': (days: string) => `in ${days}`,
  'step.renewal.daysAgo': (days: string) => `${days} ago`,
  'step.renewal.endRemoved': 'The contract end date was removed.',
  'step.renewal.endChanged': (date: string) => `The contract now ends on ${date} (renewed or changed).`,
  'step.renewal.windowOver': (date: string) => `The contract ended on ${date}; the renewal window is over.`,
  'step.revenueDrop.title': (name: string, drop: string, quarter: string) => `Review account ${name}: revenue down ${drop} in ${quarter}`,
  'step.revenueDrop.text': (quarter: string, revenue: string, previous: string) =>
    `Revenue in ${quarter} was ${revenue} against ${previous} in the quarter before. Find the cause (a lost product line, a competitor, a budget cut) and agree a recovery plan with the customer.`,
  'step.revenueDrop.closed': (quarter: string, change: string) => `Revenue no longer dropping: ${quarter} ${change} on the quarter before.`,
  'step.revenueDrop.noBase': 'no comparison base',
  'step.keyPlan.title': (name: string) => `Write an account plan for ${name}: now a key account`,
  'step.keyPlan.text': (name: string, from: string, to: string, score: string) =>
    `${name} moved from "${from}" to "${to}" with a score of ${score}. Draft the account plan: goals for the year, decision makers, potential to unlock, risks and the contact rhythm.`,
  'step.keyPlan.noTier': 'no tier',
  'step.keyPlan.closed': (tier: string) => `No longer a key account (tier now "${tier}").`,
  'step.satisfaction.title': (name: string, score: string) => `Call ${name} about the problem: satisfaction ${score}`,
  'step.satisfaction.text': (name: string, score: string, below: string) =>
    `The latest satisfaction score of ${name} is ${score}, below ${below}. Call to find out what went wrong, fix it and confirm the fix with the customer.`,
  'step.satisfaction.removed': 'The satisfaction score was removed.',
  'step.satisfaction.closed': (score: string) => `Satisfaction is now ${score}.`,
  'step.wonFollowUp.title': (name: string, deal: string) => `Follow up with ${name} after delivery of deal ${deal}`,
  'step.wonFollowUp.text': (deal: string, amount: string, date: string) =>
    `Deal ${deal} for ${amount} was won on ${date}. Check that delivery went well, collect feedback and ask about the next need.`,
  'step.wonFollowUp.closed': (deal: string) => `Deal ${deal} is no longer won.`,
  'step.potential.title': (name: string) => `Estimate the 3-year potential of ${name}`,
  'step.potential.text': (name: string, why: string) =>
    `${name} looks promising: ${why}. Nobody has entered its potential over 3 years, so its tier rests on the forecast from purchases alone. Talk to the client about their plans and needs, estimate what they could buy from us over the next 3 years, and fill in “Potential over 3 years” in the company card.`,
  'step.potential.whyForecast': (money: string) => `its purchase trend forecasts ${money} over the next 3 years`,
  'step.potential.whyTop': (money: string, share: string) => `its revenue over the last 12 months, ${money}, is in the top ${share} of the portfolio`,
  'step.potential.closed': (money: string) => `A potential over 3 years is entered now: ${money}.`,

  'print.demoTitle': (crm: string) => `KAM Pilot · demo on the ${crm} sandbox`,
  'print.evaluateTitle': (asOf: string, base: string, version: string) => `KAM Pilot: portfolio as of ${asOf} (base currency ${base}, rules ${version})`,
  'print.tiers': 'Tiers',
  'print.portfolio': 'Portfolio KPIs',
  'print.topAccounts': 'Top accounts',
  'print.accounts': (n: number) => `Accounts (${n})`,
  'print.rank': '#',
  'print.lastWon': 'Last won',
  'print.points': 'pts',
  'print.passes': 'Requests and writes (telemetry)',
  'print.pass': (n: number, mode: string) => `#${n} ${mode}`,
  'print.passMode.full': 'full sync',
  'print.passMode.incremental': 'incremental',
  'print.synced': (companies: string, contacts: string, deals: string) => `synced ${companies}, ${contacts}, ${deals}`,
  'print.requests': (total: string, setup: string, sync: string, write: string) => `${total} requests (setup ${setup}, sync ${sync}, write ${write})`,
  'print.written': (fields: string, comments: string, todos: string, closed: string) =>
    `written: ${fields} fields, ${comments} comments, ${todos} to-dos, ${closed} closed`,
  'print.seconds': (seconds: string) => `${seconds} s`,
  'print.noEvaluation': 'No evaluation yet.',
} as const;

/** Words for a count, by plural category; `other` is required (fractions take it in both languages). */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

type Widen<T> = T extends (...args: infer A) => string ? (...args: A) => string : T extends string ? string : PluralForms;

/** The key set every language gives, with each message's parameters. */
export type MessageCatalogue = { readonly [K in keyof typeof en]: Widen<(typeof en)[K]> };
export type MessageKey = keyof MessageCatalogue;
