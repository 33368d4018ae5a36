import { KamError } from '../errors';
import type { Lang } from '../i18n/format-values';
import type { AbcClass, PeriodKpis, XyzClass } from '../kpi/account-kpis';
import { computeKpiPack, toPeriods, type AccountKpiValues, type PortfolioKpis } from '../kpi/kpi-pack';
import { byCodeUnits, indexPortfolio } from '../kpi/portfolio-index';
import { calendarDatePart, toDay } from '../model/calendar-date';
import type { Granularity, Period } from '../model/periods';
import type { PortfolioSnapshot } from '../model/snapshot';
import type { CriteriaConfig } from '../scoring/criteria-config';
import { ruleVersion } from '../scoring/rule-version';
import { scorePortfolio, type Contribution } from '../scoring/score-portfolio';

/** One account in the output (spec section 6), keys in the spec's order. */
export interface AccountEvaluation {
  id: string;
  score: number;
  tier: string;
  contributions: Contribution[];
  abc: AbcClass;
  xyz: XyzClass | null;
  revenue12m: number;
  revenuePrev12m: number;
  growthYoY: number | null;
  ltv: number;
  romi: number | null;
  daysSinceLastWon: number | null;
  relationshipYears: number;
  potentialForecast3y: number | null;
  pointsToNextTier: number | null;
  missingCriteria: string[];
  kpis: Record<Granularity, PeriodKpis>;
}

/** The spec's section 6 shape; `ruleVersion` and `unknownAccountDeals` are additive. */
export interface EvaluationResult {
  asOf: string;
  baseCurrency: string;
  periods: Record<Granularity, Period>;
  portfolio: Record<Granularity, PortfolioKpis>;
  /** Highest score first, ties by id. */
  accounts: AccountEvaluation[];
  ruleVersion: string;
  unknownAccountDeals: { count: number; dealIds: string[] };
}

export interface EvaluateOptions {
  /** Day D; overrides the snapshot's asOf. */
  asOf?: string;
  lang: Lang;
  /** Also write each reason in these languages (contributions[].reasons); off for the spec's --json shape. */
  reasonLangs?: readonly Lang[];
}

function resolveAsOf(snapshot: PortfolioSnapshot, asOf: string | undefined): string {
  if (asOf === undefined) return snapshot.asOf;
  const date = calendarDatePart(asOf);
  if (date === null) throw new KamError('INPUT_INVALID', `asOf: expected date YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  return date;
}

/**
 * Evaluates a parsed snapshot (parseSnapshot) with a parsed config (parseCriteriaConfig or
 * DEFAULT_CRITERIA). Pure and deterministic: the same input gives the same output whatever the
 * order of accounts and deals. Cost is O(deals log deals + accounts log accounts).
 */
export function evaluatePortfolio(snapshot: PortfolioSnapshot, config: CriteriaConfig, options: EvaluateOptions): EvaluationResult {
  const asOf = resolveAsOf(snapshot, options.asOf);
  const day = toDay(asOf);
  const index = indexPortfolio(snapshot, day);
  const pack = computeKpiPack({ index, asOf: day, settings: config.settings });
  const scores = scorePortfolio({
    config,
    lang: options.lang,
    ...(options.reasonLangs ? { reasonLangs: options.reasonLangs } : {}),
    currency: snapshot.baseCurrency,
    subjects: index.accounts.map((entry, i) => ({
      id: entry.account.id,
      industry: entry.account.industry ?? null,
      fields: entry.account.fields,
      previousTier: entry.account.previousTier ?? null,
      kpis: pack.accounts[i] as AccountKpiValues,
    })),
  });
  const accounts = index.accounts.map((entry, i): AccountEvaluation => {
    const k = pack.accounts[i] as AccountKpiValues;
    const s = scores[i] as (typeof scores)[number];
    return {
      id: entry.account.id,
      score: s.score,
      tier: s.tier,
      contributions: s.contributions,
      abc: k.abc,
      xyz: k.xyz,
      revenue12m: k.revenue12m,
      revenuePrev12m: k.revenuePrev12m,
      growthYoY: k.growthYoY,
      ltv: k.ltv,
      romi: k.romi,
      daysSinceLastWon: k.daysSinceLastWon,
      relationshipYears: k.relationshipYears,
      potentialForecast3y: k.potentialForecast3y,
      pointsToNextTier: s.pointsToNextTier,
      missingCriteria: s.missingCriteria,
      kpis: k.kpis,
    };
  });
  accounts.sort((a, b) => b.score - a.score || byCodeUnits(a.id, b.id));
  return {
    asOf,
    baseCurrency: snapshot.baseCurrency,
    periods: toPeriods(pack.periods),
    portfolio: pack.portfolio,
    accounts,
    ruleVersion: ruleVersion(config),
    unknownAccountDeals: { count: index.unknownAccountDealIds.length, dealIds: index.unknownAccountDealIds },
  };
}
