import { Client } from 'pg';
import { INSTALLATION_CHANGES } from './migrations/0009-installation-change-notify';

/**
 * Listens, on a connection of its own, for the installation changes every process announces
 * (migration 0009: a trigger NOTIFYs each committed change of an installation's row), so this
 * process's copies of installations (verified-installations.ts) go the moment another process
 * rotates a secret, uninstalls or blocks a portal, not up to a TTL later.
 *
 * A notification sent while nobody listens is not kept (https://www.postgresql.org/docs/current/sql-listen.html),
 * so the feed says when it listens and when it stopped: `listening(false)` on a lost connection
 * (the copies fall back to their short TTL), `listening(true)` once LISTEN holds again (the copies
 * made before it are dropped, as changes may have gone unheard meanwhile). A lost connection is
 * opened again after a pause that doubles up to `maxRetryMs`.
 */
export interface InstallationChangeFeed {
  /** Stops listening and closes the connection; no callback runs after it resolves. */
  close(): Promise<void>;
}

export interface InstallationChangeFeedOptions {
  databaseUrl: string;
  /** The schema the app works in (as openDatabase), for the connection's search_path. */
  schema?: string;
  changed(installationId: string): void;
  listening(on: boolean, error?: unknown): void;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** Ends a connection we no longer listen on: none of its events reach us, and an error from it is nobody's. */
function endQuietly(client: Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined);
  return client.end().catch(() => undefined);
}

export function listenForInstallationChanges(options: InstallationChangeFeedOptions): InstallationChangeFeed {
  const firstRetryMs = options.firstRetryMs ?? FIRST_RETRY_MS;
  const maxRetryMs = options.maxRetryMs ?? MAX_RETRY_MS;
  let closed = false;
  let client: Client | null = null;
  let retryMs = firstRetryMs;
  let timer: NodeJS.Timeout | null = null;
  /** What `listening` last said (null: nothing yet), so a lost connection is said once, the first failed attempt too. */
  let said: boolean | null = null;

  const lost = (error: unknown) => {
    if (closed) return;
    const was = client;
    client = null;
    if (was) void endQuietly(was);
    if (said !== false) options.listening(false, error);
    said = false;
    timer = setTimeout(connect, retryMs);
    // The feed never keeps a process alive by itself: serving does.
    timer.unref();
    retryMs = Math.min(maxRetryMs, retryMs * 2);
  };

  const connect = () => {
    timer = null;
    if (closed) return;
    const next = new Client({ connectionString: options.databaseUrl, ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}) });
    client = next;
    next.on('error', lost);
    next.on('end', () => lost(new Error('the connection ended')));
    next.on('notification', (message) => {
      if (message.channel === INSTALLATION_CHANGES && message.payload) options.changed(message.payload);
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${INSTALLATION_CHANGES}`))
      .then(() => {
        if (closed || client !== next) return;
        retryMs = firstRetryMs;
        said = true;
        options.listening(true);
      })
      .catch((error: unknown) => {
        if (client === next) lost(error);
      });
  };

  connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const last = client;
      client = null;
      if (last) await endQuietly(last);
    },
  };
}
