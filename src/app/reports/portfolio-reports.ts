import { KamError, isKamError } from '../../core/errors';
import { calendarDatePart, fromDay, toDay } from '../../core/model/calendar-date';
import { GRANULARITIES, reportPeriods, type Granularity } from '../../core/model/periods';
import type { CrmTraits } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';
import type { FrozenReport, PeriodReportStore } from '../../core/ports/period-report-store.port';
import type { Storage } from '../../core/ports/storage.port';
import type { NextStepRulesConfig } from '../../core/rules/next-step-rules-config';
import type { CriteriaConfig } from '../../core/scoring/criteria-config';
import { USERS_STATE_KEY, buildSnapshot } from '../build-snapshot';
import { buildPortfolioReport, portfolioTrend, snapshotOf, type PreviousStanding } from './build-portfolio-report';
import type { PortfolioReport, ReportViewer } from './report-types';
import { ownAccountIds, reportVisibleTo } from './visibility';

/** What the report needs of an installation's settings (criteria, rules, whether contacts are accounts). */
export interface ReportSettings {
  criteria: CriteriaConfig;
  rules: NextStepRulesConfig;
  contactsAsAccounts: boolean;
  /** The CRM's traits: how its own company is flagged, its currency before reference data. */
  traits: Pick<CrmTraits, 'ownCompanyField' | 'defaultCurrency'>;
}

export interface PortfolioReportsDeps {
  storage: Storage & { periodReports: PeriodReportStore };
  settingsOf: (installation: Installation) => ReportSettings;
  /** The clock; "today" decides which periods are closed. */
  now?: () => Date;
}

export interface ReportRequest {
  installationId: string;
  granularity: Granularity;
  /** Day D (YYYY-MM-DD); default today. */
  asOf?: string;
  /** Compute again and store the next frozen version, even when the period is frozen already. */
  recompute?: boolean;
}

export interface PortfolioReports {
  /** The installation a command means: the given id, or the only one in the store. */
  resolveInstallation(installationId?: string): Promise<Installation>;
  /**
   * The report of the latest complete period ending on or before D. A closed period (its last
   * day before today) is read from the frozen store when it is there; otherwise it is computed,
   * and frozen when closed, with its FX rates and rule version.
   */
  report(request: ReportRequest): Promise<PortfolioReport>;
  /**
   * The report as a user may see it (the pages and their downloads): an administrator the whole
   * report; a manager their own accounts, with the KPIs, trend and tiers computed over them alone.
   */
  visibleReport(request: ReportRequest, viewer: ReportViewer): Promise<PortfolioReport>;
  /**
   * Freezes the latest closed month, quarter and year when they are not frozen yet (for the
   * cycle or a daily job to call after an evaluation); returns the periods it froze now.
   */
  freezeClosed(installationId: string): Promise<Array<{ granularity: Granularity; periodStart: string; version: number }>>;
  /** The frozen versions of one period, oldest first. */
  versions(installationId: string, granularity: Granularity, periodStart: string): Promise<Array<Omit<FrozenReport, 'report' | 'fxRates'>>>;
}

const withFrozen = (frozen: FrozenReport): PortfolioReport => ({
  ...(frozen.report as PortfolioReport),
  frozen: { version: frozen.version, reason: frozen.reason, frozenAt: frozen.createdAt },
});

function standingOf(frozen: FrozenReport | null): PreviousStanding | null {
  if (!frozen) return null;
  const report = frozen.report as PortfolioReport;
  return { ruleVersion: report.ruleVersion, accounts: new Map(report.accounts.map((row) => [row.id, { tier: row.tier, score: row.score }])) };
}

export function createPortfolioReports(deps: PortfolioReportsDeps): PortfolioReports {
  const { storage } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async resolveInstallation(installationId) {
      if (installationId !== undefined) {
        const found = await storage.installations.get(installationId);
        if (!found) throw new KamError('NOT_FOUND', `Installation ${installationId} is not in the store.`);
        return found;
      }
      const all = (await storage.installations.list()).filter((installation) => installation.status !== 'deleted');
      if (all.length === 1) return all[0] as Installation;
      if (all.length === 0) throw new KamError('NOT_FOUND', 'The store holds no installation: install the app (or run `kam demo`) first.');
      const listed = all.map((installation) => `${installation.id} (${installation.crm}, ${installation.domain})`).join('; ');
      throw new KamError('INPUT_INVALID', `The store holds ${all.length} installations; name one with --installation: ${listed}`);
    },

    async report(request) {
      // The page API passes what a browser sent: refuse a bad period or date before reading anything.
      if (!GRANULARITIES.includes(request.granularity)) throw new KamError('INPUT_INVALID', `granularity: expected month, quarter or year, got ${JSON.stringify(request.granularity)}`);
      if (request.asOf !== undefined && calendarDatePart(request.asOf) !== request.asOf) {
        throw new KamError('INPUT_INVALID', `asOf: expected a date YYYY-MM-DD, got ${JSON.stringify(request.asOf)}`);
      }
      const today = now().toISOString().slice(0, 10);
      // A day to come would name a period that has not happened: an empty report, read as real.
      if (request.asOf !== undefined && request.asOf > today) {
        throw new KamError('INPUT_INVALID', `asOf: ${request.asOf} is after today (${today}); a report covers a period that has begun`);
      }
      const installation = await this.resolveInstallation(request.installationId);
      const asOf = request.asOf ?? today;
      const { current, previous } = reportPeriods(request.granularity, toDay(asOf));
      const periodStart = fromDay(current.start);
      const closed = current.end < toDay(today);
      const existing = closed ? await storage.periodReports.latest(installation.id, request.granularity, periodStart) : null;
      if (existing && !request.recompute) return withFrozen(existing);

      const settings = deps.settingsOf(installation);
      const periodEnd = fromDay(current.end);
      const build = await buildSnapshot({ storage, installationId: installation.id, asOf: periodEnd, traits: settings.traits, contactsAsAccounts: settings.contactsAsAccounts });
      const before = await storage.periodReports.latest(installation.id, request.granularity, fromDay(previous.start));
      const users = (await storage.writeState.getMany(installation.id, [USERS_STATE_KEY])).get(USERS_STATE_KEY) as Array<{ id: string; name: string }> | undefined;
      const open = await storage.taskLedger.list(installation.id, { states: ['open', 'pending'] });
      const report = buildPortfolioReport({
        installationId: installation.id,
        granularity: request.granularity,
        asOf,
        snapshot: build.snapshot,
        criteria: settings.criteria,
        rules: settings.rules,
        openSteps: open.map((entry) => ({ accountId: entry.accountId, dueDate: entry.dueDate })),
        users: new Map((users ?? []).map((user) => [String(user.id), user.name])),
        today,
        generatedAt: now().toISOString(),
        previous: standingOf(before),
      });
      if (!closed) return report;
      const input = {
        installationId: installation.id,
        granularity: request.granularity,
        periodStart,
        periodEnd,
        ruleVersion: report.ruleVersion,
        baseCurrency: report.baseCurrency,
        fxRates: report.fxRates,
        reason: existing ? ('recompute' as const) : ('closed' as const),
        report,
      };
      try {
        return withFrozen(await storage.periodReports.save(input, existing?.version ?? 0));
      } catch (error) {
        // Another process froze this period first: theirs is the report of record.
        const winner = isKamError(error) && error.code === 'CONFLICT' && !request.recompute ? await storage.periodReports.latest(installation.id, request.granularity, periodStart) : null;
        if (winner) return withFrozen(winner);
        throw error;
      }
    },

    async visibleReport(request, viewer) {
      const report = await this.report(request);
      if (viewer.isAdmin) return report;
      const installation = await this.resolveInstallation(report.installationId);
      const settings = deps.settingsOf(installation);
      const build = await buildSnapshot({ storage, installationId: installation.id, asOf: report.period.end, traits: settings.traits, contactsAsAccounts: settings.contactsAsAccounts });
      // A frozen period keeps the rates it was made with, so its own figures read the same too.
      const snapshot = { ...snapshotOf(build.snapshot, ownAccountIds(report, viewer)), fxRates: report.fxRates };
      return reportVisibleTo(report, viewer, portfolioTrend(snapshot, settings.criteria, report.granularity, report.period.end));
    },

    async freezeClosed(installationId) {
      const frozen: Array<{ granularity: Granularity; periodStart: string; version: number }> = [];
      for (const granularity of GRANULARITIES) {
        const periodStart = fromDay(reportPeriods(granularity, toDay(now().toISOString().slice(0, 10))).current.start);
        if (await storage.periodReports.latest(installationId, granularity, periodStart)) continue;
        const report = await this.report({ installationId, granularity });
        if (report.frozen) frozen.push({ granularity, periodStart, version: report.frozen.version });
      }
      return frozen;
    },

    versions: (installationId, granularity, periodStart) => storage.periodReports.versions(installationId, granularity, periodStart),
  };
}
