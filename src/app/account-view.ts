import { KamError } from '../core/errors';
import type { Lang } from '../core/i18n/format-values';
import { dayOfMonthIndex, fromDay, monthIndexOf, toDay } from '../core/model/calendar-date';
import { createFxConverter } from '../core/model/fx-converter';
import { CONTACT_ACCOUNT_PREFIX } from '../core/model/synced';
import type { AccountSnapshot, TierChange } from '../core/ports/evaluation-store.port';
import type { LedgerEntry } from '../core/ports/task-ledger.port';
import { i18n } from '../core/i18n/messages';
import type { CrmFieldInfo, CrmReferenceData } from '../core/ports/crm-connector.port';
import { fillLabel, metricLabel } from '../core/scoring/metric-labels';
import { FIELDS_STATE_KEY, FX_STATE_KEY, PIPELINES_STATE_KEY, USERS_STATE_KEY, type FxBook } from './build-snapshot';
import { nameFieldCriteria } from './settings/crm-fields';
import { connectorFor, type AppContext } from './cycle/cycle-context';
import { readSettings } from './installation-settings';
import { accountRisks, riskInputs } from './reports/at-risk';
import type { RiskReason } from './reports/report-types';
import { riskText } from './reports/risk-text';

/**
 * The account view both CRMs' widgets show (Bitrix24 card tab, amoCRM card panel): tier, score
 * with its reasons, the KPI pack, tier history and open next steps. Data, not HTML; read from
 * our store only, never from the CRM on the request path.
 */
export interface AccountView {
  lang: Lang;
  /** The account asked about: a company id, or `contact:<id>`; null when a deal has none. */
  accountId: string | null;
  companyName: string | null;
  /** The account's responsible person, by name. */
  ownerName: string | null;
  /** The account's industry code as synced (the page names it from the catalogue). */
  industryCode: string | null;
  /** Synced company inputs: contract end (a date) and satisfaction, when the CRM holds them. */
  contractEnd: string | null;
  satisfaction: number | null;
  /** In a deal's card: the deal itself, beside its account; its stage named as the CRM names it (null when the reference data has no such stage). */
  deal: { id: string; title: string; amount: number; currency: string; status: 'open' | 'won' | 'lost'; closedAt: string | null; stageName: string | null } | null;
  /** Where the account, the deal and each open step (by dedup key) open in the CRM. */
  links: { account: string | null; deal: string | null; steps: Record<string, string> };
  /** The account's risk signals (the portfolio's at-risk rules), each with its sentence in `lang`. */
  risks: Array<{ kind: RiskReason['kind']; text: string }>;
  /** CRM user names by id, for the next steps' owners. */
  userNames: Record<string, string>;
  baseCurrency: string;
  tierLabels: Record<string, { ru: string; en: string }>;
  /** Each criterion's name in both languages: its label, its metric's name, or the CRM's name for a portal's own field; never a code. */
  criterionLabels: Record<string, { ru: string; en: string }>;
  snapshot: AccountSnapshot | null;
  history: TierChange[];
  openSteps: LedgerEntry[];
  /** Won-deal revenue per calendar month in base currency, the 24 months ending with the as-of month, oldest first. */
  revenueByMonth: Array<{ start: string; end: string; revenue: number }>;
  /** Set while the first sync runs. */
  syncing: boolean;
  /** Why the installation is blocked (the CRM refused our tokens), if it is. */
  blocked: string | null;
}

/** Which card asks: an account (a company id, or `contact:<id>`) or a deal, whose account is looked up. */
export interface AccountViewRequest {
  installationId: string;
  /** null: the installation's language. */
  lang: Lang | null;
  accountId?: string;
  dealId?: string;
  contactId?: string;
}

export async function getAccountView(context: Pick<AppContext, 'storage' | 'connectors' | 'defaultLang'>, request: AccountViewRequest): Promise<AccountView> {
  const { storage } = context;
  const installation = await storage.installations.get(request.installationId);
  if (!installation) throw new KamError('NOT_FOUND', `Installation ${request.installationId} not found`);
  const { traits, links } = connectorFor(context.connectors, installation);
  const settings = readSettings(installation, context.defaultLang, traits);
  // One read of the reference data: users (owners), FX, and the deal stages in a deal's tab.
  const state = await storage.writeState.getMany(installation.id, [USERS_STATE_KEY, FX_STATE_KEY, FIELDS_STATE_KEY, ...(request.dealId ? [PIPELINES_STATE_KEY] : [])]);
  let accountId: string | null = null;
  let deal: AccountView['deal'] = null;
  if (request.accountId) accountId = request.accountId;
  else if (request.contactId) accountId = `${CONTACT_ACCOUNT_PREFIX}${request.contactId}`;
  else if (request.dealId) {
    // The deal's company, or (when contacts are accounts) the deal's contact.
    const synced = (await storage.entities.get(installation.id, 'deal', request.dealId))?.data;
    accountId = synced?.companyId ?? (settings.contactsAsAccounts && synced?.contactId ? `${CONTACT_ACCOUNT_PREFIX}${synced.contactId}` : null);
    const pipelines = state.get(PIPELINES_STATE_KEY) as CrmReferenceData['pipelines'] | undefined;
    deal = synced ? { id: synced.crmId, title: synced.title, amount: synced.amount, currency: synced.currency, status: synced.status, closedAt: synced.closedAt, stageName: stageName(pipelines, synced) } : null;
  }
  const contactId = accountId?.startsWith(CONTACT_ACCOUNT_PREFIX) ? accountId.slice(CONTACT_ACCOUNT_PREFIX.length) : null;
  const [entity, snapshot, history, openSteps, run] = accountId
    ? await Promise.all([
        contactId ? storage.entities.get(installation.id, 'contact', contactId) : storage.entities.get(installation.id, 'company', accountId),
        storage.evaluations.latestAccount(installation.id, accountId),
        storage.evaluations.accountHistory(installation.id, accountId),
        storage.taskLedger.list(installation.id, { states: ['open'], accountId }),
        storage.evaluations.latestRun(installation.id),
      ])
    : [null, null, [], [], await storage.evaluations.latestRun(installation.id)];
  const users = state.get(USERS_STATE_KEY) as Array<{ id: string; name: string }> | undefined;
  const baseCurrency = String((run?.portfolio as { baseCurrency?: string } | undefined)?.baseCurrency ?? traits.defaultCurrency);
  const fx = state.get(FX_STATE_KEY) as FxBook | undefined;
  const revenueByMonth = snapshot && !contactId && accountId
    ? await monthlyRevenue(context.storage, installation.id, accountId, snapshot.asOf, createFxConverter({ baseCurrency, fxRates: fx?.baseCurrency === baseCurrency ? fx.rates : [] }))
    : [];
  const ownerId = entity?.data.ownerId ?? null;
  const company = entity && 'fields' in entity.data ? entity.data : null;
  const inputs = riskInputs(company?.fields ?? {});
  const lang = request.lang ?? settings.lang;
  const kpis = snapshot?.kpis ?? {};
  const risks = snapshot
    ? accountRisks({ tier: snapshot.tier, growthYoY: numberOrNull(kpis.growthYoY), daysSinceLastWon: numberOrNull(kpis.daysSinceLastWon), ...inputs }, { tiers: settings.criteria.tiers, rules: settings.rules, asOf: snapshot.asOf })
    : [];
  return {
    lang,
    accountId,
    companyName: entity?.data.name ?? null,
    ownerName: (ownerId && users?.find((user) => user.id === ownerId)?.name) ?? null,
    industryCode: company?.industry ?? null,
    ...inputs,
    deal,
    links: {
      account: entity ? links.card(installation, contactId ? 'contact' : 'company', contactId ?? entity.data.crmId) : null,
      deal: deal ? links.card(installation, 'deal', deal.id) : null,
      steps: Object.fromEntries(openSteps.flatMap((step) => (step.crmTaskId ? [[step.dedupKey, links.step(installation, { crmTaskId: step.crmTaskId, entityType: step.entityType, entityId: step.entityId })]] : []))),
    },
    risks: risks.map((reason) => ({ kind: reason.kind, text: riskText(reason, i18n(lang)) })),
    userNames: Object.fromEntries((users ?? []).map((user) => [user.id, user.name])),
    baseCurrency,
    tierLabels: Object.fromEntries(settings.criteria.tiers.map((tier) => [tier.id, { ru: i18n('ru').tier(settings.criteria.tiers, tier.id), en: i18n('en').tier(settings.criteria.tiers, tier.id) }])),
    criterionLabels: Object.fromEntries(nameFieldCriteria(settings.criteria.criteria, (state.get(FIELDS_STATE_KEY) as CrmFieldInfo[] | undefined) ?? null).map((c) => [
      c.id, { ru: fillLabel(metricLabel(c.metric, 'ru', c.label), null), en: fillLabel(metricLabel(c.metric, 'en', c.label), null) },
    ])),
    snapshot,
    history,
    openSteps,
    revenueByMonth,
    syncing: !run,
    blocked: installation.status === 'blocked' ? (installation.statusReason ?? 'blocked') : null,
  };
}

const MONTHS = 24;

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The deal's stage by the CRM's own name for it (Bitrix24 crm.status, amoCRM pipeline statuses), looked up in its pipeline first. */
function stageName(pipelines: CrmReferenceData['pipelines'] | undefined, deal: { pipelineId: string; stageId: string }): string | null {
  const own = pipelines?.find((pipeline) => pipeline.id === deal.pipelineId)?.stages.find((stage) => stage.id === deal.stageId);
  const any = own ?? pipelines?.flatMap((pipeline) => pipeline.stages).find((stage) => stage.id === deal.stageId);
  return any?.name ? any.name : null;
}

/**
 * Won deals of one company summed per calendar month, converted on the close day as the engine
 * does (src/core/kpi/portfolio-index.ts). Reads the company's deals by index, never every deal.
 */
async function monthlyRevenue(storage: AppContext['storage'], installationId: string, companyId: string, asOf: string, convert: ReturnType<typeof createFxConverter>) {
  const last = monthIndexOf(asOf);
  const sums = new Array<number>(MONTHS).fill(0);
  for (const deal of await storage.entities.listByCompany(installationId, 'deal', companyId)) {
    if (deal.status !== 'won' || !deal.closedAt || deal.closedAt.slice(0, 10) > asOf.slice(0, 10)) continue;
    const slot = monthIndexOf(deal.closedAt) - (last - MONTHS + 1);
    if (slot >= 0) sums[slot] = (sums[slot] ?? 0) + convert(deal.amount, deal.currency, toDay(deal.closedAt));
  }
  return sums.map((revenue, i) => {
    const month = last - MONTHS + 1 + i;
    return { start: fromDay(dayOfMonthIndex(month)), end: fromDay(dayOfMonthIndex(month + 1) - 1), revenue: Math.round(revenue * 100) / 100 };
  });
}
