/**
 * What write-back asks of a CRM, in CRM-neutral terms. Each connector implements it with its
 * own batching (Bitrix24 `batch`, amoCRM bulk PATCH/POST). Creates are never retried blindly:
 * an outcome the connector cannot prove comes back as `unknown`, and the caller looks for the
 * marker before it tries again.
 */
export interface FieldWrite {
  accountId: string;
  tier: string;
  score: number;
}

export interface CommentWrite {
  /** Dedup key, e.g. `comment:company:42:2026-10`; also embedded in the text as a marker. */
  key: string;
  accountId: string;
  text: string;
}

export interface TodoCreate {
  dedupKey: string;
  accountId: string;
  ownerId: string | null;
  title: string;
  description: string;
  /** YYYY-MM-DD */
  dueDate: string;
}

export interface TodoClose {
  dedupKey: string;
  crmTaskId: string;
}

export interface WriteOutcome<T> {
  done: T[];
  /** The CRM refused these; safe to try again later. */
  failed: Array<{ key: string; reason: string }>;
  /** The request may or may not have gone through (timeout, cut connection). */
  unknown: string[];
}

export interface MarkerSearch {
  /** key -> the CRM id of the comment or to-do that carries its marker. */
  found: Map<string, string>;
  /** Keys the CRM could not be asked about this time: neither found nor proven absent. */
  unresolved: Set<string>;
}

export interface CrmWriter {
  writeFields(writes: FieldWrite[]): Promise<WriteOutcome<string>>;
  addComments(writes: CommentWrite[]): Promise<WriteOutcome<{ key: string; crmId: string }>>;
  /** Finds comments carrying these keys' markers (after a crash or an unknown outcome). */
  findComments(items: Array<{ key: string; accountId: string }>): Promise<MarkerSearch>;
  createTodos(items: TodoCreate[]): Promise<WriteOutcome<{ dedupKey: string; crmTaskId: string }>>;
  /** Finds to-dos carrying these dedup keys' markers. */
  findTodos(items: Array<{ dedupKey: string; accountId: string }>): Promise<MarkerSearch>;
  closeTodos(items: TodoClose[]): Promise<WriteOutcome<string>>;
}

/** The marker written into every comment and to-do, so a rerun can find what a crash hid. */
export function markerFor(key: string): string {
  return `[kam:${key}]`;
}
