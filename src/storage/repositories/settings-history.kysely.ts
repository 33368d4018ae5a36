import type { Kysely, Selectable } from 'kysely';
import { KamError, isKamError } from '../../core/errors';
import type { SettingsChange, SettingsHistoryStore } from '../../core/ports/settings-history.port';
import type { Database, SettingsHistoryTable } from '../database';
import { notFound, parseJson, systemClock, toNumber, type Clock } from './row-helpers';

const toChange = (row: Selectable<SettingsHistoryTable>): SettingsChange => ({
  installationId: row.installation_id,
  version: toNumber(row.version),
  changedAt: row.changed_at,
  actor: { id: row.actor_id, name: row.actor_name },
  ruleVersion: row.rule_version,
  previousRuleVersion: row.previous_rule_version,
  diff: parseJson(row.diff),
});

const conflict = (installationId: string, expectedVersion: number, storedVersion: number): KamError =>
  new KamError('CONFLICT', `The settings were saved by someone else first (version ${storedVersion}, expected ${expectedVersion}); reload them and try again.`, {
    details: { installationId, expectedVersion, storedVersion },
  });

/**
 * Settings and their history in one transaction: the installation row is locked by its update
 * before the version is read (PostgreSQL row lock; SQLite writes one transaction at a time), and
 * the (installation, version) primary key stops a second writer of the same version regardless.
 */
export function createSettingsHistoryStore(deps: { db: Kysely<Database>; now?: Clock }): SettingsHistoryStore {
  const { db } = deps;
  const now = deps.now ?? systemClock;

  const latest = async (q: Kysely<Database>, installationId: string): Promise<number> => {
    const row = await q
      .selectFrom('settings_history')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('installation_id', '=', installationId)
      .executeTakeFirst();
    return toNumber(row?.v as number | string | null | undefined);
  };

  return {
    async save({ installationId, expectedVersion, patch, change }) {
      try {
        return await db.transaction().execute(async (trx) => {
          const at = now().toISOString();
          const row = await trx.selectFrom('installations').select('settings').where('id', '=', installationId).executeTakeFirst();
          if (!row) throw notFound('Installation', { id: installationId, operation: 'saveSettings' });
          const settings = { ...parseJson<Record<string, unknown>>(row.settings), ...patch };
          await trx.updateTable('installations').set({ settings: JSON.stringify(settings), updated_at: at }).where('id', '=', installationId).execute();
          const stored = await latest(trx, installationId);
          if (stored !== expectedVersion) throw conflict(installationId, expectedVersion, stored);
          const inserted: Selectable<SettingsHistoryTable> = {
            installation_id: installationId,
            version: expectedVersion + 1,
            changed_at: change.changedAt,
            actor_id: change.actor.id,
            actor_name: change.actor.name,
            rule_version: change.ruleVersion,
            previous_rule_version: change.previousRuleVersion,
            diff: JSON.stringify(change.diff),
          };
          await trx.insertInto('settings_history').values(inserted).execute();
          return toChange(inserted);
        });
      } catch (error) {
        if (isKamError(error)) throw error;
        // A unique violation on (installation, version): another save of the same version won the race.
        const stored = await latest(db, installationId);
        if (stored > expectedVersion) throw conflict(installationId, expectedVersion, stored);
        throw error;
      }
    },

    async list(installationId, options = {}) {
      const rows = await db
        .selectFrom('settings_history')
        .selectAll()
        .where('installation_id', '=', installationId)
        .orderBy('version', 'desc')
        .limit(options.limit ?? 100)
        .execute();
      return rows.map(toChange);
    },

    latestVersion: (installationId) => latest(db, installationId),
  };
}
