import type { Kysely, Selectable } from 'kysely';
import { KamError } from '../../core/errors';
import type { Granularity } from '../../core/model/periods';
import type { FxRate } from '../../core/model/snapshot';
import type { FrozenReport, PeriodReportStore, ReportLink, ReportLinkStore } from '../../core/ports/period-report-store.port';
import type { Database, PeriodReportsTable, ReportLinksTable } from '../database';
import { parseJson, systemClock, toNumber, type Clock } from './row-helpers';

type VersionRow = Pick<Selectable<PeriodReportsTable>, (typeof VERSION_COLUMNS)[number]>;
const VERSION_COLUMNS = ['installation_id', 'granularity', 'period_start', 'period_end', 'version', 'rule_version', 'base_currency', 'reason', 'created_at'] as const;

/** A version's listing: everything but the frozen content. */
const toVersion = (row: VersionRow): Omit<FrozenReport, 'report' | 'fxRates'> => ({
  installationId: row.installation_id,
  granularity: row.granularity as Granularity,
  periodStart: row.period_start,
  periodEnd: row.period_end,
  version: toNumber(row.version),
  ruleVersion: row.rule_version,
  baseCurrency: row.base_currency,
  reason: row.reason as FrozenReport['reason'],
  createdAt: row.created_at,
});

const toFrozen = (row: Selectable<PeriodReportsTable>): FrozenReport => ({
  ...toVersion(row),
  fxRates: parseJson<FxRate[]>(row.fx_rates),
  report: parseJson<unknown>(row.report),
});

/**
 * Frozen reports, append-only: save() inserts the version after the one its caller saw; the
 * primary key makes a second writer of the same version fail with CONFLICT, changing nothing.
 */
export function createPeriodReportStore(deps: { db: Kysely<Database>; now?: Clock }): PeriodReportStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;
  const period = (installationId: string, granularity: Granularity, periodStart: string) =>
    db.selectFrom('period_reports').where('installation_id', '=', installationId).where('granularity', '=', granularity).where('period_start', '=', periodStart);

  return {
    async save(input, after) {
      const createdAt = now().toISOString();
      const version = after + 1;
      try {
        await db
          .insertInto('period_reports')
          .values({
            installation_id: input.installationId,
            granularity: input.granularity,
            period_start: input.periodStart,
            version,
            period_end: input.periodEnd,
            rule_version: input.ruleVersion,
            base_currency: input.baseCurrency,
            fx_rates: JSON.stringify(input.fxRates),
            reason: input.reason,
            report: JSON.stringify(input.report),
            created_at: createdAt,
          })
          .execute();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/unique|duplicate|primary key/i.test(message)) {
          throw new KamError('CONFLICT', `Version ${version} of the ${input.granularity} report of ${input.periodStart} was stored by another process first.`, {
            cause: error,
          });
        }
        throw error;
      }
      return { ...input, version, createdAt };
    },

    async latest(installationId, granularity, periodStart) {
      const row = await period(installationId, granularity, periodStart).selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
      return row ? toFrozen(row) : null;
    },

    async get(installationId, granularity, periodStart, version) {
      const row = await period(installationId, granularity, periodStart).selectAll().where('version', '=', version).executeTakeFirst();
      return row ? toFrozen(row) : null;
    },

    async versions(installationId, granularity, periodStart) {
      const rows = await period(installationId, granularity, periodStart).select(VERSION_COLUMNS).orderBy('version', 'asc').execute();
      return rows.map(toVersion);
    },
  };
}

const toLink = (row: Selectable<ReportLinksTable>): ReportLink => ({
  installationId: row.installation_id,
  tokenHash: row.token_hash,
  granularity: row.granularity as Granularity,
  createdAt: row.created_at,
});

/** Live CSV links: one row per installation, keyed by the token's hash (the token is never stored). */
export function createReportLinkStore(deps: { db: Kysely<Database>; now?: Clock }): ReportLinkStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;
  return {
    async put(link) {
      const row = { installation_id: link.installationId, token_hash: link.tokenHash, granularity: link.granularity, created_at: now().toISOString() };
      await db
        .insertInto('report_links')
        .values(row)
        .onConflict((oc) =>
          oc.column('installation_id').doUpdateSet((eb) => ({
            token_hash: eb.ref('excluded.token_hash'),
            granularity: eb.ref('excluded.granularity'),
            created_at: eb.ref('excluded.created_at'),
          })),
        )
        .execute();
      return toLink(row);
    },
    async findByHash(tokenHash) {
      const row = await db.selectFrom('report_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? toLink(row) : null;
    },
    async get(installationId) {
      const row = await db.selectFrom('report_links').selectAll().where('installation_id', '=', installationId).executeTakeFirst();
      return row ? toLink(row) : null;
    },
    async revoke(installationId) {
      const result = await db.deleteFrom('report_links').where('installation_id', '=', installationId).executeTakeFirst();
      return toNumber(result.numDeletedRows) > 0;
    },
  };
}
