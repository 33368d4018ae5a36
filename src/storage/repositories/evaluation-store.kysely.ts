import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AccountSnapshot, EvaluationRun, EvaluationStore } from '../../core/ports/evaluation-store.port';
import type { AccountSnapshotsTable, Database, EvaluationRunsTable } from '../database';
import { KamError } from '../../core/errors';
import { ROWS_PER_TURN, chunk, lastByKey, nextTurn, parseJson, systemClock, toNumber, type Clock } from './row-helpers';

/**
 * Dated evaluation snapshots. A run is unique per (installation, asOf), and a snapshot is visible
 * only through its run's row: readers join evaluation_runs. Saving a run for a date that has one
 * writes the new run's snapshots beside the old ones (another run id), ROWS_PER_TURN per statement
 * with a turn of the event loop between, no transaction held across turns (on SQLite every other
 * query of the process, an event's dirty mark among them, would wait for it; issue 9); then one
 * short transaction swaps the run rows, so readers see the old run or the new one, never a mix;
 * then the old run's snapshots, now orphans, are deleted in chunks (migration 0007). A crash
 * mid-save leaves orphans the date's next save deletes first. Two concurrent saves of one date are
 * not expected (one evaluator per installation); the loser fails and changes nothing.
 */
export function createEvaluationStore(deps: { db: Kysely<Database>; now?: Clock }): EvaluationStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  const toRun = (row: Selectable<EvaluationRunsTable>): EvaluationRun => ({
    id: row.id,
    installationId: row.installation_id,
    asOf: row.as_of,
    ruleVersion: row.rule_version,
    portfolio: parseJson<Record<string, unknown>>(row.portfolio),
    accountCount: row.account_count,
    createdAt: row.created_at,
  });

  const toSnapshot = (row: Selectable<AccountSnapshotsTable>): AccountSnapshot => ({
    accountId: row.account_id,
    asOf: row.as_of,
    score: Number(row.score),
    tier: row.tier,
    previousTier: row.previous_tier,
    ruleVersion: row.rule_version,
    contributions: parseJson<unknown[]>(row.contributions),
    kpis: parseJson<Record<string, unknown>>(row.kpis),
  });

  /** Snapshots of live runs only: a run being written, or replaced and not yet cleared, has no run row. */
  const liveSnapshots = () => db.selectFrom('account_snapshots as s').innerJoin('evaluation_runs as r', 'r.id', 's.run_id');

  /** Deletes, ROWS_PER_TURN at a time, the snapshots of the date's runs that have no run row. */
  async function clearOrphans(installationId: string, asOf: string): Promise<void> {
    const orphans = await db
      .selectFrom('account_snapshots as s')
      .select('s.run_id')
      .distinct()
      .where('s.installation_id', '=', installationId)
      .where('s.as_of', '=', asOf)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('evaluation_runs as r').select('r.id').whereRef('r.id', '=', 's.run_id'))))
      .execute();
    for (const { run_id: runId } of orphans) {
      for (;;) {
        await nextTurn();
        const deleted = await db
          .deleteFrom('account_snapshots')
          .where('run_id', '=', runId)
          .where('account_id', 'in', (eb) => eb.selectFrom('account_snapshots').select('account_id').where('run_id', '=', runId).limit(ROWS_PER_TURN))
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) break;
      }
    }
  }

  return {
    async saveRun(input, accounts) {
      // One snapshot per account and date; a duplicate in the input keeps its last copy.
      const unique = lastByKey(accounts, (a) => a.accountId);
      const run: EvaluationRun = {
        id: randomUUID(),
        installationId: input.installationId,
        asOf: input.asOf,
        ruleVersion: input.ruleVersion,
        portfolio: input.portfolio,
        accountCount: unique.length,
        createdAt: now().toISOString(),
      };
      await clearOrphans(run.installationId, run.asOf);
      for (const part of chunk(unique, ROWS_PER_TURN)) {
        await nextTurn();
        await db
          .insertInto('account_snapshots')
          .values(
            part.map((a) => ({
              installation_id: run.installationId,
              run_id: run.id,
              account_id: a.accountId,
              // The run's date is the snapshot's date.
              as_of: run.asOf,
              score: a.score,
              tier: a.tier,
              previous_tier: a.previousTier,
              rule_version: a.ruleVersion,
              contributions: JSON.stringify(a.contributions),
              kpis: JSON.stringify(a.kpis),
            })),
          )
          .execute();
      }
      await nextTurn();
      await db.transaction().execute(async (trx) => {
        const written = await trx
          .selectFrom('account_snapshots')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('run_id', '=', run.id)
          .executeTakeFirstOrThrow();
        // A concurrent save of the same date (not expected) cleared our snapshots as orphans: fail, change nothing.
        if (toNumber(written.n) !== unique.length) {
          throw new KamError('CONFLICT', `the evaluation of ${run.asOf} was saved concurrently; this save changed nothing`);
        }
        await trx.deleteFrom('evaluation_runs').where('installation_id', '=', run.installationId).where('as_of', '=', run.asOf).execute();
        await trx
          .insertInto('evaluation_runs')
          .values({
            id: run.id,
            installation_id: run.installationId,
            as_of: run.asOf,
            rule_version: run.ruleVersion,
            portfolio: JSON.stringify(run.portfolio),
            account_count: run.accountCount,
            created_at: run.createdAt,
          })
          .execute();
      });
      // The replaced run's snapshots.
      await clearOrphans(run.installationId, run.asOf);
      return run;
    },

    async latestRun(installationId) {
      const row = await db
        .selectFrom('evaluation_runs')
        .selectAll()
        .where('installation_id', '=', installationId)
        .orderBy('as_of', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toRun(row) : null;
    },

    async latestAccount(installationId, accountId) {
      const row = await liveSnapshots()
        .selectAll('s')
        .where('s.installation_id', '=', installationId)
        .where('s.account_id', '=', accountId)
        .orderBy('s.as_of', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toSnapshot(row) : null;
    },

    async accountHistory(installationId, accountId) {
      const rows = await liveSnapshots()
        .select(['s.as_of', 's.tier', 's.score', 's.rule_version'])
        .where('s.installation_id', '=', installationId)
        .where('s.account_id', '=', accountId)
        .orderBy('s.as_of')
        .execute();
      return rows.map((r) => ({ asOf: r.as_of, tier: r.tier, score: Number(r.score), ruleVersion: r.rule_version }));
    },

    async tiersBefore(installationId, asOf) {
      // Each account's newest snapshot strictly before asOf (an account missing from the last
      // run keeps the tier it held before), via a group-by join that both engines plan well.
      const rows = await liveSnapshots()
        .innerJoin(
          (eb) =>
            eb
              .selectFrom('account_snapshots as ls')
              .innerJoin('evaluation_runs as lr', 'lr.id', 'ls.run_id')
              .select(['ls.account_id'])
              .select((e) => e.fn.max('ls.as_of').as('latest'))
              .where('ls.installation_id', '=', installationId)
              .where('ls.as_of', '<', asOf)
              .groupBy('ls.account_id')
              .as('m'),
          (join) => join.onRef('m.account_id', '=', 's.account_id').onRef('m.latest', '=', 's.as_of'),
        )
        .select(['s.account_id', 's.tier'])
        .where('s.installation_id', '=', installationId)
        .execute();
      return new Map(rows.map((r) => [r.account_id, r.tier]));
    },

    async runAccounts(installationId, runId) {
      const rows = await liveSnapshots()
        .selectAll('s')
        .where('s.installation_id', '=', installationId)
        .where('s.run_id', '=', runId)
        .orderBy('s.account_id')
        .execute();
      return rows.map(toSnapshot);
    },
  };
}
