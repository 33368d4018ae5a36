import { Faker, base, en, ru } from '@faker-js/faker';
import type { GenerateOptions, SeedCompany, SeedContact, SeedPortfolio, SeedUser } from './types';
import type { SeededRandom } from './random';
import { createSeededRandom, createWeightedPicker } from './random';
import { INDUSTRIES, LEGAL_FORMS, PIPELINES, POSTS, transliterate } from './catalog';
import { DAY_MS, isoDate, isoSeconds, officeHours, parseAnchorDate, todayUtc } from './dates';
import { generateDeals, generateFxTable } from './generate-deals';

/**
 * The seeded B2B portfolio both CRM sandboxes serve. Deterministic: every draw comes from one
 * pure-rand stream seeded with `options.seed` plus a private Faker instance seeded the same way,
 * so the same options give byte-identical data (only the default anchor date reads the clock).
 *
 * Shape of the data: company weights are Pareto-distributed (shape 1.5, so a few key accounts
 * carry most of the revenue), deals go to companies in proportion to weight and their amounts
 * grow with it; IDs increase with creation time as they do in a real CRM.
 */
export function generatePortfolio(options: GenerateOptions): SeedPortfolio {
  const anchorDate = options.anchorDate ?? todayUtc();
  const anchorMs = parseAnchorDate(anchorDate);
  if (anchorMs === null) throw new RangeError(`anchorDate must be YYYY-MM-DD, got "${anchorDate}"`);
  for (const key of ['companies', 'contacts', 'deals'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0) throw new RangeError(`${key} must be a whole number >= 0`);
  }
  const random = createSeededRandom(options.seed);
  const faker = new Faker({ locale: [ru, en, base] });
  faker.seed(options.seed);
  const windowStartMs = anchorMs - 3 * 365 * DAY_MS;

  const users = generateUsers(faker, options.users ?? Math.max(3, Math.round(options.companies / 60)));
  const { companies, weights } = generateCompanies({ random, faker, count: options.companies, anchorMs, windowStartMs, users });
  const { contacts, byCompany, free } = generateContacts({ random, faker, count: options.contacts, anchorMs, companies, weights, users });
  const fx = generateFxTable(random, windowStartMs - 7 * DAY_MS, anchorMs);
  const deals = generateDeals({
    random, count: options.deals, anchorMs, windowStartMs, users, companies, weights,
    contactsByCompany: byCompany, freeContacts: free, fx,
  });
  // Real CRMs hand out IDs in creation order; sync cursors and ">ID" pages rely on that.
  deals.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id));
  deals.forEach((deal, index) => { deal.id = index + 1; });
  assignPotential(random, companies, deals, fx.rateOn);

  return {
    seed: options.seed, anchorDate, baseCurrency: 'RUB', users, companies, contacts,
    pipelines: PIPELINES.map((pipeline) => ({ ...pipeline, stages: pipeline.stages.map((stage) => ({ ...stage })) })),
    deals, fxRates: fx.rates,
  };
}

function generateUsers(faker: Faker, count: number): SeedUser[] {
  const users: SeedUser[] = [];
  for (let id = 1; id <= count; id += 1) {
    const sex = faker.person.sexType();
    const firstName = faker.person.firstName(sex);
    const lastName = faker.person.lastName(sex);
    // User 1 is the portal admin; with five or more users the last one has left the company
    // (deactivated), which is where orphaned accounts come from.
    const active = !(count >= 5 && id === count);
    users.push({ id, firstName, lastName, email: `${transliterate(firstName)}.${transliterate(lastName)}@kam-demo.ru`, active });
  }
  return users;
}

interface CompanyInputs {
  random: SeededRandom;
  faker: Faker;
  count: number;
  anchorMs: number;
  windowStartMs: number;
  users: SeedUser[];
}

function generateCompanies(inputs: CompanyInputs): { companies: SeedCompany[]; weights: number[] } {
  const { random, faker, anchorMs, windowStartMs, users } = inputs;
  const industryPicker = createWeightedPicker(INDUSTRIES.map((industry) => industry.weight));
  const rows: Array<{ company: SeedCompany; weight: number }> = [];
  for (let i = 0; i < inputs.count; i += 1) {
    const weight = Math.min(200, random.pareto(1.5));
    const createdMs = officeHours(windowStartMs - 2 * 365 * DAY_MS + random.float() * 4.5 * 365 * DAY_MS, random.float());
    const modifiedMs = Math.min(anchorMs - 60_000, createdMs + random.float() * (anchorMs - createdMs));
    const name = faker.company.name().replace(/^[A-ZА-ЯЁ]{2,4}\s+/u, '');
    rows.push({
      weight,
      company: {
        id: 0,
        title: `${random.pick(LEGAL_FORMS)} «${name}»`,
        industry: INDUSTRIES[industryPicker.next(random)]?.code ?? 'OTHER',
        ownerId: random.pick(users).id,
        createdAt: isoSeconds(createdMs),
        modifiedAt: isoSeconds(modifiedMs),
        potential3y: 0,
        margin: Math.round(Math.min(60, Math.max(2, random.normal(22, 9))) * 10) / 10,
        satisfaction: random.chance(0.2) ? null : Math.round(Math.min(10, Math.max(1, random.normal(7.2, 1.8)))),
        contractEnd: random.chance(0.25) ? null : isoDate(anchorMs + random.int(-180, 720) * DAY_MS),
        marketingCost: null,
        revenue: Math.round(weight * 25_000_000 * random.logNormal(0, 0.6) / 100_000) * 100_000,
      },
    });
  }
  rows.sort((a, b) => (a.company.createdAt < b.company.createdAt ? -1 : a.company.createdAt > b.company.createdAt ? 1 : 0));
  rows.forEach((row, index) => { row.company.id = index + 1; });
  return { companies: rows.map((row) => row.company), weights: rows.map((row) => row.weight) };
}

interface ContactInputs {
  random: SeededRandom;
  faker: Faker;
  count: number;
  anchorMs: number;
  companies: SeedCompany[];
  weights: number[];
  users: SeedUser[];
}

function generateContacts(inputs: ContactInputs): { contacts: SeedContact[]; byCompany: Map<number, number[]>; free: SeedContact[] } {
  const { random, faker, anchorMs, companies, users } = inputs;
  const picker = createWeightedPicker(inputs.weights.map((weight) => Math.sqrt(weight)));
  const withCompany = companies.length === 0 ? 0 : Math.round(inputs.count * 0.85);
  const contacts: SeedContact[] = [];
  for (let i = 0; i < inputs.count; i += 1) {
    // Every company gets a first contact while there are enough; the rest follow company size.
    const company = i < withCompany ? (i < companies.length ? companies[i] : companies[picker.next(random)]) : undefined;
    const sex = faker.person.sexType();
    const firstName = faker.person.firstName(sex);
    const lastName = faker.person.lastName(sex);
    const baseMs = company ? Date.parse(company.createdAt) : anchorMs - 4 * 365 * DAY_MS;
    const createdMs = officeHours(baseMs + random.float() * (anchorMs - baseMs), random.float());
    const phone = `+7 9${random.int(10, 99)} ${random.int(100, 999)}-${random.int(10, 99)}-${random.int(10, 99)}`;
    contacts.push({
      id: 0,
      companyId: company ? company.id : null,
      firstName,
      lastName,
      post: company ? random.pick(POSTS) : '',
      phone,
      email: `${transliterate(firstName).slice(0, 1)}.${transliterate(lastName)}${random.int(1, 99)}@${random.pick(['mail.ru', 'yandex.ru', 'gmail.com', 'corp.ru'])}`,
      ownerId: company ? company.ownerId : random.pick(users).id,
      createdAt: isoSeconds(Math.min(createdMs, anchorMs - 3_600_000)),
      modifiedAt: isoSeconds(Math.min(anchorMs - 60_000, createdMs + random.float() * (anchorMs - createdMs))),
    });
  }
  contacts.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const byCompany = new Map<number, number[]>();
  const free: SeedContact[] = [];
  contacts.forEach((contact, index) => {
    contact.id = index + 1;
    if (contact.companyId === null) free.push(contact);
    else byCompany.set(contact.companyId, [...(byCompany.get(contact.companyId) ?? []), contact.id]);
  });
  return { contacts, byCompany, free };
}

/**
 * Potential over three years follows the revenue won so far times a growth factor, with one
 * company in ten a "sleeping giant" whose potential far exceeds its current revenue: exactly
 * the accounts a potential-based KAM ranking should surface.
 */
function assignPotential(random: SeededRandom, companies: SeedCompany[], deals: SeedPortfolio['deals'], rateOn: (c: 'RUB' | 'USD' | 'EUR', ms: number) => number): void {
  const won = new Float64Array(companies.length + 1);
  for (const deal of deals) {
    if (deal.status === 'won' && deal.companyId !== null) won[deal.companyId] = (won[deal.companyId] ?? 0) + deal.amount * rateOn(deal.currency, Date.parse(deal.createdAt));
  }
  for (const company of companies) {
    const growth = random.logNormal(0, 0.6) * (random.chance(0.1) ? 5 : 1);
    const floor = (company.revenue ?? 1_000_000) * 0.02;
    company.potential3y = Math.round((Math.max(won[company.id] ?? 0, floor) * growth) / 1_000) * 1_000;
    company.marketingCost = random.chance(0.3) ? null : Math.round(company.potential3y * (0.005 + random.float() * 0.035) / 100) * 100;
  }
}
