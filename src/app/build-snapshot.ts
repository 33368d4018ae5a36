import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FxRate, PortfolioSnapshot, SnapshotAccount, SnapshotDeal } from '../core/model/snapshot';
import { CONTACT_ACCOUNT_PREFIX, type SyncedCompany, type SyncedDeal } from '../core/model/synced';
import type { CrmTraits } from '../core/ports/crm-connector.port';
import type { Storage } from '../core/ports/storage.port';

/**
 * Builds the engine's portfolio snapshot from the synced store: companies are the accounts
 * (the CRM owner's own company left out, where the connector's traits say how to tell it), deals are attached by company, FX rates
 * come from the CRM's currency list as dated on each sync, and each account carries the tier
 * it held in the latest run before today (for hysteresis). Between pages it lets the event loop
 * turn: the SQLite driver answers synchronously, and 20,000 deals read in one go would hold up
 * every HTTP request of the process meanwhile (issue 9, "event bursts").
 */
export interface FxBook {
  baseCurrency: string;
  rates: FxRate[];
}

export const FX_STATE_KEY = 'ref:fx';
/** Pipelines with stages, and users (owners), as the last reference read found them. */
export const PIPELINES_STATE_KEY = 'ref:pipelines';
export const USERS_STATE_KEY = 'ref:users';
/** The CRM's own fields (CrmFieldInfo[]) for the settings page's pickers. */
export const FIELDS_STATE_KEY = 'ref:fields';

export interface SnapshotBuild {
  snapshot: PortfolioSnapshot;
  companies: Map<string, SyncedCompany>;
  skipped: { dealsWithoutCompany: number; dealsWithoutRate: number; currenciesWithoutRate: string[] };
}

export async function buildSnapshot(deps: {
  storage: Storage;
  installationId: string;
  asOf: string;
  traits: Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency'>;
  contactsAsAccounts?: boolean;
}): Promise<SnapshotBuild> {
  const { storage, installationId, asOf, traits } = deps;
  const stored = (await storage.writeState.getMany(installationId, [FX_STATE_KEY])).get(FX_STATE_KEY) as FxBook | undefined;
  const fx = stored ?? { baseCurrency: traits.defaultCurrency, rates: [] };
  const previousTiers = await storage.evaluations.tiersBefore(installationId, asOf);
  const companies = new Map<string, SyncedCompany>();
  const accounts: SnapshotAccount[] = [];
  for await (const page of storage.entities.iterate(installationId, 'company')) {
    await nextTurn();
    for (const company of page) {
      if (traits.ownCompanyField && company.fields[traits.ownCompanyField] === true) continue;
      companies.set(company.crmId, company);
      accounts.push({
        id: company.crmId,
        name: company.name,
        industry: company.industry,
        ownerId: company.ownerId,
        fields: company.fields,
        previousTier: previousTiers.get(company.crmId) ?? null,
      });
    }
  }
  // Optionally, a contact without a company is an account of its own (a private client, a sole trader).
  const contactAccounts = new Set<string>();
  if (deps.contactsAsAccounts) {
    for await (const page of storage.entities.iterate(installationId, 'contact')) {
      await nextTurn();
      for (const contact of page) {
        if (contact.companyId) continue;
        const id = `${CONTACT_ACCOUNT_PREFIX}${contact.crmId}`;
        contactAccounts.add(contact.crmId);
        accounts.push({ id, name: contact.name, industry: null, ownerId: contact.ownerId, fields: {}, previousTier: previousTiers.get(id) ?? null });
      }
    }
  }
  const known = new Set([fx.baseCurrency, ...fx.rates.map((rate) => rate.currency)]);
  const missing = new Set<string>();
  const deals: SnapshotDeal[] = [];
  let withoutCompany = 0;
  let withoutRate = 0;
  for await (const page of storage.entities.iterate(installationId, 'deal')) {
    await nextTurn();
    for (const deal of page as SyncedDeal[]) {
      const accountId = deal.companyId
        ? companies.has(deal.companyId) ? deal.companyId : null
        : deal.contactId && contactAccounts.has(deal.contactId) ? `${CONTACT_ACCOUNT_PREFIX}${deal.contactId}` : null;
      if (!accountId) {
        withoutCompany += 1;
        continue;
      }
      if (!known.has(deal.currency)) {
        // The engine refuses a currency with no rate at all; leave such deals out and say so.
        withoutRate += 1;
        missing.add(deal.currency);
        continue;
      }
      deals.push({
        id: deal.crmId,
        title: deal.title || null,
        accountId,
        amount: deal.amount,
        currency: deal.currency,
        status: deal.status,
        createdAt: deal.createdAt.slice(0, 10),
        closedAt: deal.closedAt ? deal.closedAt.slice(0, 10) : deal.status === 'open' ? null : deal.createdAt.slice(0, 10),
        pipelineId: deal.pipelineId,
        ownerId: deal.ownerId,
      });
    }
  }
  return {
    snapshot: { baseCurrency: fx.baseCurrency, asOf, fxRates: fx.rates, accounts, deals },
    companies,
    skipped: { dealsWithoutCompany: withoutCompany, dealsWithoutRate: withoutRate, currenciesWithoutRate: [...missing].sort() },
  };
}

/** Adds today's rates to the dated book (one entry per currency and date), keeping history. */
export function mergeFxRates(book: FxBook | undefined, baseCurrency: string, today: string, current: Array<{ currency: string; rate: number }>): FxBook {
  const rates = (book?.baseCurrency === baseCurrency ? book.rates : []).filter((rate) => rate.date !== today);
  for (const { currency, rate } of current) {
    if (currency !== baseCurrency && Number.isFinite(rate) && rate > 0) rates.push({ currency, date: today, rate });
  }
  rates.sort((a, b) => (a.currency === b.currency ? a.date.localeCompare(b.date) : a.currency.localeCompare(b.currency)));
  return { baseCurrency, rates };
}
