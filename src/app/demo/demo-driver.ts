import type { CrmKind } from '../../core/ports/installation-store.port';

/**
 * What `kam demo` needs of one CRM's sandbox, so the demo itself is CRM-neutral: start the
 * sandbox, install the app the way that CRM installs, simulate user edits, read its state.
 * Drivers live beside the sandboxes (src/sandbox/demo) and are loaded lazily by the demo command.
 */
export interface DemoSandboxOptions {
  companies: number;
  contacts: number;
  deals: number;
  seed: number;
  /** Sandbox fault injection, e.g. "500=0.02,expire=0.05,seed=3". */
  faults?: string;
  /** Sandbox access-token lifetime in seconds. */
  tokenTtlSeconds?: number;
  /** A new portal: none of the input fields (potential, margin, ...) nor their values. */
  freshPortal?: boolean;
  /**
   * Asked as each request reaches the sandbox, before it is served: null serves and answers it as
   * usual; `{ until }` serves it at once but sends the answer only once `until` settles
   * (`kam demo --kill-worker-at` kills the asking worker meanwhile: kill-gate.ts).
   */
  holdAnswer?(): Promise<{ until: Promise<void> } | null>;
}

export interface DemoSandbox<Handle = unknown> {
  /** The running sandbox itself, for tests and benchmarks that look inside it. */
  handle: Handle;
  url: string;
  /** The sandbox's ready line (credentials, ids, seeded counts). */
  readyLine: Record<string, unknown>;
  /** Config overrides pointing the app at this sandbox (credentials, OAuth server, allowed hosts). */
  config: Record<string, string>;
  /** The installation's external id (Bitrix24 member_id, amoCRM account id). */
  externalId: string;
  /** The day the seeded portfolio is anchored to (the evaluation day). */
  anchorDate: string;
  /** Companies + contacts + deals seeded. */
  total: number;
  /** Installs the app at `appUrl` through the CRM's real install path; resolves when its events were delivered. */
  install(appUrl: string): Promise<void>;
  /** `count` simulated user edits of deals; resolves when their events were delivered. */
  mutate(count: number, seed: number): Promise<void>;
  /** The sandbox's `/_sandbox/state`. */
  state(): Promise<Record<string, unknown>>;
  /** Where a person opens a card with our widget, for `--serve`. */
  cardUrl: string;
  close(): Promise<void>;
}

export interface DemoDriver<Handle = unknown> {
  crm: CrmKind;
  start(options: DemoSandboxOptions): Promise<DemoSandbox<Handle>>;
}
