/**
 * Request counters every sandbox keeps, so tests and benchmarks can assert how many CRM
 * calls a flow made (STYLE.md rule 9: "assert the number of CRM calls where efficiency
 * is the point") and which requests the emulated limits refused.
 */
export interface SandboxStatsSnapshot {
  requests: number;
  byMethod: Record<string, number>;
  /** Refused requests per vendor error code (QUERY_LIMIT_EXCEEDED, expired_token, ...). */
  rejections: Record<string, number>;
}

export interface SandboxStats {
  record(method: string, rejectionCode?: string): void;
  snapshot(): SandboxStatsSnapshot;
  reset(): void;
}

export function createSandboxStats(): SandboxStats {
  let requests = 0;
  let byMethod = new Map<string, number>();
  let rejections = new Map<string, number>();
  return {
    record(method, rejectionCode) {
      requests += 1;
      byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
      if (rejectionCode !== undefined) rejections.set(rejectionCode, (rejections.get(rejectionCode) ?? 0) + 1);
    },
    snapshot() {
      return { requests, byMethod: Object.fromEntries(byMethod), rejections: Object.fromEntries(rejections) };
    },
    reset() {
      requests = 0;
      byMethod = new Map();
      rejections = new Map();
    },
  };
}
