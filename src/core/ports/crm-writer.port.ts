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
  /** Dedup key, e.g. `comment:company:42:2026-10`; also embedded in the text as an invisible marker (markerFor). */
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

/**
 * Why the marker is invisible: neither CRM documents a hidden field on the methods we write
 * with (Bitrix24 crm.activity.todo.add takes no ORIGIN_ID and crm.timeline.comment has only
 * COMMENT; amoCRM notes and tasks echo `request_id` in the answer but never store it), so the key
 * travels in the text itself as Unicode default-ignorable format characters (General Category
 * Cf, https://www.unicode.org/reports/tr44/#Default_Ignorable_Code_Point), which no renderer
 * draws: a 64-bit digest of the key, two bits a character, framed by INVISIBLE SEPARATOR.
 * docs/bitrix24.md and docs/amocrm.md say more.
 */
const DIGITS = ['\u200B', '\u200C', '\u200D', '\u2060'] as const;
const FRAME = '\u2063';
/** Any marker, the invisible one (the digits as a range) or an older visible one. */
const MARKER = /\u2063[\u200B-\u200D\u2060]{32}\u2063|\[kam:[^\]]+\]/;
const INVISIBLE = /[\u200B-\u200D\u2060-\u2064]/g;

/** FNV-1a, 64 bits: a stable digest for a few thousand keys an account, no crypto needed. */
function digest64(key: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(key)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** The invisible marker written at the end of every comment and to-do, so a rerun can find what a crash hid. */
export function markerFor(key: string): string {
  let hash = digest64(key);
  let digits = '';
  for (let i = 0; i < 32; i += 1) {
    digits += DIGITS[Number(hash & 3n)];
    hash >>= 2n;
  }
  return `${FRAME}${digits}${FRAME}`;
}

/** The marker a CRM text carries (the invisible one, else an older visible one), or null. */
export function markerIn(text: string): string | null {
  return MARKER.exec(text)?.[0] ?? null;
}

/** The visible marker older versions wrote (`[kam:<key>]`); still found, never written. */
export function legacyMarkerFor(key: string): string {
  return `[kam:${key}]`;
}

/** Appends the invisible marker to a text a user reads. */
export function withMarker(text: string, key: string): string {
  return `${text}${markerFor(key)}`;
}

/** Whether a CRM text carries this key's marker, the invisible one or an older visible one. */
export function carriesMarker(text: string, key: string): boolean {
  return text.includes(markerFor(key)) || text.includes(legacyMarkerFor(key));
}

/** A CRM text as a reader sees it: without our markers, invisible or older visible ones. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\s*\[kam:[^\]]*\]/g, '').trim();
}
