import pLimit from 'p-limit';
import { stringify } from 'qs';
import type { EventBinding, PortalState } from './portal-state';
import type { TokenStore } from './token-store';

/**
 * Event delivery as docs:api-reference/events/index describes it: a form-encoded POST
 * (`event`, `event_handler_id`, `data[FIELDS][ID]`, `ts`, `auth[...]`) to every handler
 * bound with event.bind, only once the app's install is finished (until then the portal
 * delivers nothing: docs:settings/app-installation/installation-finish), once, with no
 * retries, and without holding up the REST call that caused it. A portal sends events from a
 * queue worked by a few workers at a time, not one connection per change: under a burst of
 * changes at most `concurrency` deliveries are in flight and the rest wait their turn (each still
 * within its own 10 s timeout once sent).
 */
export interface Delivery {
  event: string;
  handler: string;
  status: number | null;
  error?: string;
  at: number;
}

export interface EventBus {
  /** Entity change events: ONCRMDEALUPDATE with data[FIELDS][ID]. */
  entityChanged(event: string, id: number, userId: number): void;
  /** The form a delivery of `event` about entity `id` to `binding` carries (as entityChanged sends it). */
  form(binding: EventBinding, event: string, id: number, userId: number): Record<string, unknown>;
  /** Posts one form to one URL; resolves with the HTTP status (null when it failed). */
  post(url: string, form: Record<string, unknown>, query?: Record<string, string>): Promise<{ status: number | null; body: string; error?: string }>;
  /** Wait for deliveries in flight (tests, shutdown). */
  idle(): Promise<void>;
  /** Entity-change deliveries being sent now, and those waiting for a free slot. */
  backlog(): { sending: number; waiting: number };
  /** From now on queued deliveries are dropped unsent (the portal shuts down). */
  stop(): void;
  deliveries(): Delivery[];
  authBlock(userId: number, withTokens: boolean): Record<string, string>;
}

const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_DELIVERY_LOG = 1_000;
/** Deliveries in flight at once by default; the rest queue (see above). */
export const DEFAULT_EVENT_CONCURRENCY = 8;

export function createEventBus(deps: {
  state: PortalState;
  tokens: TokenStore;
  baseUrl: () => string;
  now: () => number;
  /** Entity-change deliveries in flight at once (default DEFAULT_EVENT_CONCURRENCY). */
  concurrency?: number;
}): EventBus {
  const inFlight = new Set<Promise<unknown>>();
  const log: Delivery[] = [];
  const slots = pLimit(deps.concurrency ?? DEFAULT_EVENT_CONCURRENCY);
  let stopped = false;

  const post: EventBus['post'] = async (url, form, query) => {
    const target = new URL(url);
    for (const [key, value] of Object.entries(query ?? {})) target.searchParams.set(key, value);
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
        body: stringify(form, { encodeValuesOnly: false }),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: null, body: '', error: error instanceof Error ? error.message : String(error) };
    }
  };

  const authBlock = (userId: number, withTokens: boolean): Record<string, string> => {
    const { app } = deps.state;
    const base = deps.baseUrl();
    const auth: Record<string, string> = {};
    if (withTokens) {
      const token = deps.tokens.issueAccessOnly(userId);
      auth.access_token = token.accessToken;
      auth.expires = String(token.expires);
      auth.expires_in = String(token.expiresIn);
      auth.scope = app.scope;
    }
    Object.assign(auth, {
      domain: app.domain, server_endpoint: `${base}/rest/`, status: app.status, client_endpoint: `${base}/rest/`,
      member_id: app.memberId, application_token: app.applicationToken,
    });
    if (withTokens) auth.user_id = String(userId);
    return auth;
  };

  const track = (promise: Promise<unknown>): void => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };

  const form: EventBus['form'] = (binding, event, id, userId) => ({
    event, event_handler_id: String(binding.id), data: { FIELDS: { ID: String(id) } },
    ts: String(Math.floor(deps.now() / 1000)), auth: authBlock(binding.authType || userId, true),
  });

  return {
    entityChanged(event, id, userId) {
      const name = event.toUpperCase();
      if (!deps.state.app.installed) return;
      for (const binding of deps.state.eventBindings) {
        if (binding.event !== name || binding.offline) continue;
        const body = form(binding, name, id, userId);
        const send = () => (stopped ? Promise.resolve({ status: null, body: '', error: 'portal stopped' }) : post(binding.handler, body));
        track(slots(send).then((answer) => {
          log.push({ event: name, handler: binding.handler, status: answer.status, error: answer.error, at: deps.now() });
          if (log.length > MAX_DELIVERY_LOG) log.shift();
        }));
      }
    },
    form,
    post,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    backlog: () => ({ sending: slots.activeCount, waiting: slots.pendingCount }),
    stop() {
      stopped = true;
    },
    deliveries: () => [...log],
    authBlock,
  };
}
