import type { SeedCompany, SeedContact, SeedCurrency, SeedDeal, SeedDealStatus, SeedFxRate, SeedUser } from './types';
import type { SeededRandom, WeightedPicker } from './random';
import { createWeightedPicker } from './random';
import { CURRENCY_SHARES, PIPELINES, PIPELINE_WEIGHTS, PRODUCTS } from './catalog';
import { DAY_MS, isoDate, isoSeconds, officeHours } from './dates';

/**
 * Deals and FX rates. Status mix is about 55% won / 30% lost / 15% open; closed deals spread
 * over the three years before the anchor (a little denser recently: the business grows), open
 * ones started in the last half year. Amounts scale with the company's Pareto weight.
 */
export interface DealInputs {
  random: SeededRandom;
  count: number;
  anchorMs: number;
  windowStartMs: number;
  users: SeedUser[];
  companies: SeedCompany[];
  /** Pareto weight per company, same order as companies. */
  weights: number[];
  contactsByCompany: Map<number, number[]>;
  freeContacts: SeedContact[];
  fx: FxTable;
}

export interface FxTable {
  rates: SeedFxRate[];
  /** RUB per unit on a day (the latest published rate on or before it). */
  rateOn(currency: SeedCurrency, ms: number): number;
}

export function generateFxTable(random: SeededRandom, fromMs: number, toMs: number): FxTable {
  const firstDay = Math.floor(fromMs / DAY_MS);
  const days = Math.floor(toMs / DAY_MS) - firstDay + 1;
  const usd = new Float64Array(days);
  const eur = new Float64Array(days);
  const rates: SeedFxRate[] = [];
  let usdRate = 72 + random.float() * 8;
  let eurRate = usdRate * (1.05 + random.float() * 0.06);
  for (let i = 0; i < days; i += 1) {
    const ms = (firstDay + i) * DAY_MS;
    const weekday = new Date(ms).getUTCDay();
    // The Central Bank publishes on working days only; weekends keep Friday's rate.
    if (weekday !== 0 && weekday !== 6) {
      usdRate = Math.min(115, Math.max(55, usdRate * (1 + random.normal(0.0001, 0.008))));
      eurRate = Math.min(125, Math.max(60, eurRate * (1 + random.normal(0.0001, 0.007))));
      const date = isoDate(ms);
      rates.push({ currency: 'USD', date, rate: Math.round(usdRate * 10_000) / 10_000 });
      rates.push({ currency: 'EUR', date, rate: Math.round(eurRate * 10_000) / 10_000 });
    }
    usd[i] = Math.round(usdRate * 10_000) / 10_000;
    eur[i] = Math.round(eurRate * 10_000) / 10_000;
  }
  return {
    rates,
    rateOn(currency, ms) {
      if (currency === 'RUB') return 1;
      const index = Math.min(days - 1, Math.max(0, Math.floor(ms / DAY_MS) - firstDay));
      return (currency === 'USD' ? usd[index] : eur[index]) ?? 1;
    },
  };
}

function pickStatus(random: SeededRandom): SeedDealStatus {
  const roll = random.float();
  return roll < 0.55 ? 'won' : roll < 0.85 ? 'lost' : 'open';
}

function pickCurrency(random: SeededRandom): SeedCurrency {
  let roll = random.float();
  for (const { currency, share } of CURRENCY_SHARES) {
    if (roll < share) return currency;
    roll -= share;
  }
  return 'RUB';
}

export function generateDeals(inputs: DealInputs): SeedDeal[] {
  const { random, anchorMs, windowStartMs, users, companies, weights, contactsByCompany, freeContacts, fx } = inputs;
  const companyPicker: WeightedPicker = createWeightedPicker(weights);
  const pipelinePicker = createWeightedPicker(PIPELINE_WEIGHTS);
  const activeUsers = users.filter((user) => user.active);
  const span = anchorMs - windowStartMs;
  const deals: SeedDeal[] = new Array<SeedDeal>(inputs.count);
  for (let i = 0; i < inputs.count; i += 1) {
    const status = pickStatus(random);
    const hasCompany = companies.length > 0 && random.chance(0.93);
    const companyIndex = hasCompany ? companyPicker.next(random) : -1;
    const company = companies[companyIndex];
    const weight = weights[companyIndex] ?? 1;
    const pipeline = PIPELINES[pipelinePicker.next(random)] ?? PIPELINES[0]!;
    const stages = pipeline.stages.filter((stage) =>
      status === 'won' ? stage.semantics === 'success' : status === 'lost' ? stage.semantics === 'failure' : stage.semantics === 'process');
    // Lost deals mostly sit in the first failure stage; open deals thin out toward the end of the funnel.
    const stage = status === 'lost' && random.chance(0.75) ? stages[0]! : status === 'open'
      ? stages[Math.min(stages.length - 1, Math.floor(random.exponential(1.3)))]!
      : random.pick(stages);

    let createdMs: number;
    let closedMs: number | null = null;
    if (status === 'open') {
      createdMs = officeHours(anchorMs - (1 + random.exponential(45)) * DAY_MS, random.float());
      createdMs = Math.max(createdMs, anchorMs - 365 * DAY_MS);
    } else {
      const cycle = Math.min(300, 3 + random.exponential(35)) * DAY_MS;
      const closeAt = windowStartMs + cycle + Math.pow(random.float(), 0.8) * Math.max(0, span - cycle - DAY_MS);
      closedMs = officeHours(closeAt, random.float());
      createdMs = officeHours(closedMs - cycle, random.float());
      if (createdMs > closedMs) createdMs = closedMs;
    }
    const lastTouch = closedMs ?? createdMs + random.float() * Math.max(0, anchorMs - createdMs - 3_600_000);
    const modifiedMs = Math.min(anchorMs - 60_000, lastTouch + (random.chance(0.1) ? random.exponential(20) * DAY_MS : 0));

    const currency = pickCurrency(random);
    const rubAmount = (company ? 150_000 * Math.pow(weight, 0.35) : 60_000) * random.logNormal(0, 0.75);
    const rate = fx.rateOn(currency, createdMs);
    const step = currency === 'RUB' ? 1_000 : 10;
    const amount = Math.max(step, Math.round(rubAmount / rate / step) * step);

    const companyContacts = company ? contactsByCompany.get(company.id) : undefined;
    let contactId: number | null = null;
    if (companyContacts && companyContacts.length > 0 && random.chance(0.8)) contactId = random.pick(companyContacts);
    else if (!company && freeContacts.length > 0) contactId = random.pick(freeContacts).id;

    const ownerId = company && random.chance(0.85) ? company.ownerId : random.pick(activeUsers.length > 0 ? activeUsers : users).id;
    const product = random.pick(PRODUCTS);
    deals[i] = {
      id: i + 1,
      title: company ? `${product} — ${company.title}` : `${product} (частный заказ)`,
      companyId: company ? company.id : null,
      contactId,
      pipelineId: pipeline.id,
      stageCode: stage.code,
      status,
      amount,
      currency,
      ownerId,
      createdAt: isoSeconds(createdMs),
      modifiedAt: isoSeconds(Math.max(modifiedMs, createdMs)),
      closedAt: closedMs === null ? null : isoSeconds(closedMs),
    };
  }
  return deals;
}
