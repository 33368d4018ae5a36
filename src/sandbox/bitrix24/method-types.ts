import type { PortalState } from './portal-state';
import type { RestResult } from './rest-failure';
import type { TokenStore } from './token-store';
import type { EventBus } from './event-bus';

/** Who is calling: an OAuth app token (application context) or an incoming webhook. */
export interface CallerAuth {
  kind: 'oauth' | 'webhook';
  userId: number;
  isAdmin: boolean;
}

export interface CallContext {
  state: PortalState;
  auth: CallerAuth;
  tokens: TokenStore;
  events: EventBus;
  now(): number;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  inBatch: boolean;
}

export interface MethodOutput {
  result: unknown;
  total?: number;
  next?: number;
  /** Rows returned and rows scanned, for the simulated operating time. */
  rows?: number;
  scanned?: number;
}

export type MethodHandler = (params: Record<string, unknown>, ctx: CallContext) => RestResult<MethodOutput>;

export type MethodTable = Record<string, MethodHandler>;

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Case-insensitive parameter lookup: the REST API accepts `ID`, `id` and `Id` alike. */
export function param(params: Record<string, unknown>, name: string): unknown {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(params)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export function done(result: unknown, extra: Omit<MethodOutput, 'result'> = {}): RestResult<MethodOutput> {
  return { ok: true, value: { result, ...extra } };
}
