import type { WebhookRecord } from './amo-records';
import type { AmoStore } from './amo-store';
import type { EntityChange, WebhookAction } from './webhook-payload';
import { buildWebhookPayload, encodeWebhookPayload, eventName } from './webhook-payload';

/**
 * Delivers webhooks the way amo does (reference §4.4, webhooks-format): a POST per change to
 * every enabled destination subscribed to one of its events, 2 s to answer, success means
 * HTTP 100-299; a destination with 100 failed deliveries in the last 2 hours whose latest
 * delivery also failed is disabled. Delivery is asynchronous and never delays the API call.
 * The retry schedule amo may apply is not documented reliably and is not emulated.
 */
export interface DeliveryRecord {
  destination: string;
  body: string;
  status: number | null;
  ok: boolean;
  error?: string;
  at: number;
}

export interface WebhookDispatcher {
  emit(changes: EntityChange[]): void;
  /** Resolves once every queued delivery has finished (tests, shutdown). */
  idle(): Promise<void>;
  recent(): DeliveryRecord[];
  close(): void;
}

const FAILURE_WINDOW_MS = 2 * 3600 * 1000;
const PER_DESTINATION_CONCURRENCY = 8;
const RECENT_KEPT = 200;

export function createWebhookDispatcher(deps: {
  store: AmoStore;
  baseUrl: () => string;
  now: () => number;
  timeoutMs: number;
  disableAfterFailures: number;
}): WebhookDispatcher {
  const queues = new Map<string, { running: number; waiting: Array<() => Promise<void>> }>();
  const inFlight = new Set<Promise<void>>();
  const recent: DeliveryRecord[] = [];
  const controller = new AbortController();

  function record(hook: WebhookRecord, entry: DeliveryRecord): void {
    recent.push(entry);
    if (recent.length > RECENT_KEPT) recent.splice(0, recent.length - RECENT_KEPT);
    if (entry.ok) {
      hook.delivered += 1;
      hook.lastFailed = false;
      return;
    }
    hook.failed += 1;
    hook.lastFailed = true;
    const cutoff = entry.at - FAILURE_WINDOW_MS;
    hook.failureTimes = hook.failureTimes.filter((time) => time > cutoff);
    hook.failureTimes.push(entry.at);
    if (hook.failureTimes.length >= deps.disableAfterFailures) hook.disabled = true;
  }

  async function deliver(hook: WebhookRecord, body: string): Promise<void> {
    if (hook.disabled || controller.signal.aborted) return;
    const at = deps.now();
    try {
      const response = await fetch(hook.destination, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'amoCRM-Webhooks/3.0' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(deps.timeoutMs), controller.signal]),
      });
      // Drain the body so the socket is released; its content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      const ok = response.status >= 100 && response.status <= 299;
      record(hook, { destination: hook.destination, body, status: response.status, ok, at });
    } catch (error) {
      if (controller.signal.aborted) return;
      record(hook, { destination: hook.destination, body, status: null, ok: false, error: (error as Error).name, at });
    }
  }

  function pump(destination: string): void {
    const queue = queues.get(destination);
    if (!queue) return;
    while (queue.running < PER_DESTINATION_CONCURRENCY && queue.waiting.length > 0) {
      const job = queue.waiting.shift();
      if (!job) break;
      queue.running += 1;
      const run = job().finally(() => {
        queue.running -= 1;
        inFlight.delete(run);
        pump(destination);
      });
      inFlight.add(run);
    }
  }

  function enqueue(hook: WebhookRecord, body: string): void {
    const queue = queues.get(hook.destination) ?? { running: 0, waiting: [] };
    queues.set(hook.destination, queue);
    queue.waiting.push(() => deliver(hook, body));
    pump(hook.destination);
  }

  return {
    emit(changes) {
      const hooks = deps.store.webhooks.filter((hook) => !hook.disabled);
      if (hooks.length === 0) return;
      for (const change of changes) {
        for (const hook of hooks) {
          const actions = change.actions.filter((action: WebhookAction) => hook.settings.includes(eventName(change.entity, action)));
          if (actions.length === 0) continue;
          // The payload is built now, so it shows the entity as it was right after this change.
          const payload = buildWebhookPayload(deps.store, deps.baseUrl(), change, actions);
          enqueue(hook, encodeWebhookPayload(payload));
        }
      }
    },
    async idle() {
      while (inFlight.size > 0 || [...queues.values()].some((queue) => queue.waiting.length > 0)) {
        await Promise.allSettled([...inFlight]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    recent: () => [...recent],
    close() {
      controller.abort();
      for (const queue of queues.values()) queue.waiting.length = 0;
    },
  };
}
