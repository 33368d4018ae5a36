import { LRUCache } from 'lru-cache';
import type { CrmKind, Installation, InstallationStore, VerifiedLookup } from '../../core/ports/installation-store.port';
import type { StoredInstallations } from './installation-store.kysely';
import { systemClock, type Clock } from './row-helpers';

/**
 * How long a stored installation may answer inbound verification from memory. It is the bound on
 * how long a request the store would now refuse (a rotated application token or webhook secret,
 * an uninstall) may still be accepted when ANOTHER process made that change; changes this process
 * makes drop the copy at once, and a copy that would refuse is never trusted (the store is asked).
 */
export const VERIFIED_INSTALLATION_TTL_MS = 10_000;
/**
 * The same bound while this process hears every other process's changes as they commit
 * (installation-changes.ts, PostgreSQL): a copy then goes when its row changes, and the TTL is
 * only a safety net. Copies stay warm through the quiet spells between bursts of events, when a
 * short TTL made the first events of every portal wait for a read (docs/BENCHMARKS.md, scale).
 */
export const HEARD_VERIFIED_INSTALLATION_TTL_MS = 300_000;
/** Installations kept at most (least recently used dropped first): a portal per entry. */
export const VERIFIED_INSTALLATIONS_MAX = 10_000;

interface Entry {
  installation: Installation;
  /** When the read that produced it began: the copy is no older than this. */
  readAt: number;
}

const externalKey = (crm: CrmKind, externalId: string) => `${crm}\u0000${externalId}`;

/**
 * The installation store with a verified-installation cache for the inbound path: each event is
 * verified against the installation (its application token or webhook secret, its status), and
 * reading and opening its sealed secrets for every event was most of an event's cost (issues 9
 * and 12). `findVerified` answers from a copy at most `ttlMs` old only when `accepts` takes it;
 * a copy that would refuse, a missing or an old one is read from the store again (another
 * process may have rotated the secret). Every write through this store (and any other write of
 * this process reported by `changed`) drops that installation's copy, and a read that overlapped
 * a write is not kept. Every other method is the store's own.
 */
export function withVerifiedInstallations(
  store: StoredInstallations,
  options: { ttlMs?: number; heardTtlMs?: number; max?: number; now?: Clock } = {},
): InstallationStore & { changed(id: string): void; hearing(on: boolean): void } {
  const shortTtlMs = options.ttlMs ?? VERIFIED_INSTALLATION_TTL_MS;
  // A TTL of 0 (never answer from a copy) stays 0.
  const heardTtlMs = shortTtlMs > 0 ? Math.max(shortTtlMs, options.heardTtlMs ?? HEARD_VERIFIED_INSTALLATION_TTL_MS) : 0;
  let ttlMs = shortTtlMs;
  const now = options.now ?? systemClock;
  const byId = new LRUCache<string, Entry>({ max: options.max ?? VERIFIED_INSTALLATIONS_MAX });
  const idOf = new LRUCache<string, string>({ max: options.max ?? VERIFIED_INSTALLATIONS_MAX });
  // Bumped by every write: a read that began before a write may hold what the write replaced.
  let writes = 0;

  const forget = (id: string) => {
    writes += 1;
    byId.delete(id);
  };
  const after = async <T>(id: string, write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      forget(id);
    }
  };

  const fresh = (entry: Entry | undefined): Installation | null => (entry && now().getTime() - entry.readAt < ttlMs ? entry.installation : null);

  const cached = (lookup: VerifiedLookup): Installation | null => {
    if ('id' in lookup) return fresh(byId.get(lookup.id));
    const id = idOf.get(externalKey(lookup.crm, lookup.externalId));
    const installation = id === undefined ? null : fresh(byId.get(id));
    return installation && installation.crm === lookup.crm && installation.externalId === lookup.externalId ? installation : null;
  };

  const read = async (lookup: VerifiedLookup): Promise<Installation | null> => {
    const readAt = now().getTime();
    const writesBefore = writes;
    const installation = 'id' in lookup ? await store.get(lookup.id) : await store.findByExternalId(lookup.crm, lookup.externalId);
    if (installation && writes === writesBefore) {
      byId.set(installation.id, { installation, readAt });
      idOf.set(externalKey(installation.crm, installation.externalId), installation.id);
    }
    return installation;
  };

  /**
   * Reads under way, by lookup: the events of one portal that find its copy expired together (the
   * first burst after a quiet spell) share one read instead of each making its own. A read is
   * shared only while no write of this process came after its start: a later caller never gets a
   * row read before a write it may have to see.
   */
  const reading = new Map<string, { writes: number; installation: Promise<Installation | null> }>();
  const sharedRead = (lookup: VerifiedLookup): Promise<Installation | null> => {
    const key = 'id' in lookup ? `id\u0000${lookup.id}` : `external\u0000${externalKey(lookup.crm, lookup.externalId)}`;
    const under = reading.get(key);
    if (under && under.writes === writes) return under.installation;
    const installation = read(lookup).finally(() => {
      if (reading.get(key)?.installation === installation) reading.delete(key);
    });
    reading.set(key, { writes, installation });
    return installation;
  };

  return {
    ...store,
    /** For a write to the installation's row made elsewhere: in this process (the settings history) or another (installation-changes.ts). */
    changed: forget,
    /**
     * Whether every other process's change is heard as it commits. From `true` on, copies live
     * HEARD_VERIFIED_INSTALLATION_TTL_MS, and every copy made before is dropped (a change may have
     * gone unheard before); from `false` on, the short TTL again, for the copies already made too.
     */
    hearing(on) {
      if (on) {
        writes += 1;
        byId.clear();
      }
      ttlMs = on ? heardTtlMs : shortTtlMs;
    },
    async findVerified(lookup, accepts) {
      const copy = cached(lookup);
      if (copy && accepts(copy)) return copy;
      return sharedRead(lookup);
    },
    async upsert(input) {
      try {
        const installation = await store.upsert(input);
        forget(installation.id);
        return installation;
      } catch (error) {
        // The write may have landed: no copy of that portal is trusted any more.
        const id = idOf.get(externalKey(input.crm, input.externalId));
        if (id !== undefined) forget(id);
        else writes += 1;
        throw error;
      }
    },
    updateTokens: (id, tokens, expectedVersion) => after(id, store.updateTokens(id, tokens, expectedVersion)),
    setApplicationToken: (id, applicationToken) => after(id, store.setApplicationToken(id, applicationToken)),
    setStatus: (id, status, reason, options) => after(id, store.setStatus(id, status, reason, options)),
    updateSettings: (id, settings) => after(id, store.updateSettings(id, settings)),
    purge: (id) => after(id, store.purge(id)),
  };
}
