import type { FaultInjector } from '../shared/faults';
import type { SandboxStats } from '../shared/stats';
import type { EventBus } from './event-bus';
import type { PortalLimits } from './limits';
import type { PortalState } from './portal-state';
import type { RestDispatcher } from './rest-dispatcher';
import type { TokenStore } from './token-store';

/** The running parts of one emulated portal that the HTTP routes share. */
export interface PortalRuntime {
  state: PortalState;
  tokens: TokenStore;
  limits: PortalLimits;
  stats: SandboxStats;
  commandStats: SandboxStats;
  faults: FaultInjector;
  events: EventBus;
  dispatcher: RestDispatcher;
  webhook: { userId: number; secret: string };
  /** The portal's advertised address (client_endpoint, domain), http://127.0.0.1:PORT until moved. */
  baseUrl(): string;
  /** The portal's address changes (same member_id); the old address keeps answering as an alias. */
  moveTo(host: string): void;
  now(): number;
  /** Sockets held open by the `hang` fault, released on close. */
  hung: Set<{ release(): void }>;
  /** How long a `hang` holds the socket (default 35 s: past the SDK's 30 s axios timeout). */
  hangMs: number;
}

/** User 1 is the portal administrator, as on a fresh Bitrix24. */
export const ADMIN_USER_ID = 1;
