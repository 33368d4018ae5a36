import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccountSnapshot, EvaluationRun, EvaluationStore } from '../../core/ports/evaluation-store.port';
import type { AccountSnapshotsTable, Database, EvaluationRunsTable } from '../database';
import { KamError } from '../../core/errors';
import { ROWS_PER_TURN, chunk, lastByKey, nextTurn, parseJson, systemClock, type Clock } from './row-helpers';

/**
 * Dated evaluation snapshots. A run is unique per (installation, asOf): saving a second run
 * for the same date deletes the first (its snapshots cascade) and moves the new one in within
 * the same transaction, so readers see the old run or the new one, never a mix. Two concurrent
 * saves of one date are not expected (one evaluator per installation); the loser fails on the
 * unique constraint and changes nothing.
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
      // The snapshots go to drafts first, ROWS_PER_TURN per statement with a turn of the event loop
      // between (no transaction held across turns: on SQLite every other query of the process would
      // wait for it); then one short transaction replaces the date's run and moves the drafts in
      // with a single INSERT ... SELECT inside the database. Drafts an earlier, crashed save left
      // are removed first: one evaluator per installation, so they are no other save's.
      await db.deleteFrom('account_snapshot_drafts').where('installation_id', '=', run.installationId).execute();
      for (const [index, part] of chunk(unique, ROWS_PER_TURN).entries()) {
        if (index > 0) await nextTurn();
        await db
          .insertInto('account_snapshot_drafts')
          .values(
            part.map((a) => ({
              run_id: run.id,
              installation_id: run.installationId,
              account_id: a.accountId,
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
        const moved = await trx
          .insertInto('account_snapshots')
          .columns(['installation_id', 'run_id', 'account_id', 'as_of', 'score', 'tier', 'previous_tier', 'rule_version', 'contributions', 'kpis'])
          .expression((eb) =>
            eb
              .selectFrom('account_snapshot_drafts')
              // The run's date is the snapshot's date: that is what makes it unique per run.
              .select(['installation_id', 'run_id', 'account_id', sql<string>`cast(${run.asOf} as text)`.as('as_of'), 'score', 'tier', 'previous_tier', 'rule_version', 'contributions', 'kpis'])
              .where('run_id', '=', run.id),
          )
          .executeTakeFirst();
        // A concurrent save of the same installation (not expected) removed our drafts: fail, change nothing.
        if (Number(moved.numInsertedOrUpdatedRows ?? 0) !== unique.length) {
          throw new KamError('CONFLICT', `the evaluation of ${run.asOf} was saved concurrently; this save changed nothing`);
        }
        await trx.deleteFrom('account_snapshot_drafts').where('run_id', '=', run.id).execute();
      });
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
      const row = await db
        .selectFrom('account_snapshots')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('account_id', '=', accountId)
        .orderBy('as_of', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toSnapshot(row) : null;
    },

    async accountHistory(installationId, accountId) {
      const rows = await db
        .selectFrom('account_snapshots')
        .select(['as_of', 'tier', 'score', 'rule_version'])
        .where('installation_id', '=', installationId)
        .where('account_id', '=', accountId)
        .orderBy('as_of')
        .execute();
      return rows.map((r) => ({ asOf: r.as_of, tier: r.tier, score: Number(r.score), ruleVersion: r.rule_version }));
    },

    async tiersBefore(installationId, asOf) {
      // Each account's newest snapshot strictly before asOf (an account missing from the last
      // run keeps the tier it held before), via a group-by join that both engines plan well.
      const rows = await db
        .selectFrom('account_snapshots as s')
        .innerJoin(
          (eb) =>
            eb
              .selectFrom('account_snapshots')
              .select(['account_id'])
              .select((e) => e.fn.max('as_of').as('latest'))
              .where('installation_id', '=', installationId)
              .where('as_of', '<', asOf)
              .groupBy('account_id')
              .as('m'),
          (join) => join.onRef('m.account_id', '=', 's.account_id').onRef('m.latest', '=', 's.as_of'),
        )
        .select(['s.account_id', 's.tier'])
        .where('s.installation_id', '=', installationId)
        .execute();
      return new Map(rows.map((r) => [r.account_id, r.tier]));
    },

    async runAccounts(installationId, runId) {
      const rows = await db
        .selectFrom('account_snapshots')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('run_id', '=', runId)
        .orderBy('account_id')
        .execute();
      return rows.map(toSnapshot);
    },
  };
}
