import { KamError } from '../errors';

/** One fault in an input document, located by its JSON path (`deals[41].amount`). */
export interface InputIssue {
  path: string;
  /** English, in the spec's style: for the CLI, the logs and the API's `message`. */
  message: string;
  /** What was broken, for a page to say it in the reader's language (src/core/i18n/issue-text.ts). */
  rule?: IssueRule;
}

/** The kinds of fault a person can be told about; a custom check names its own `key` (zod's `params.key`). */
export type IssueRule =
  | { kind: 'required' }
  | { kind: 'type'; expected: string }
  | { kind: 'oneOf' }
  | { kind: 'min' | 'max'; limit: number; inclusive: boolean }
  | { kind: 'minItems' | 'maxItems' | 'maxLength'; limit: number }
  | { kind: 'nonEmpty' }
  | { kind: 'custom'; key: string; limit?: number };

/** The subset of a zod issue this module reads (zod's own types stay out of the public API). */
export interface ZodLikeIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  expected?: unknown;
  values?: unknown[];
  origin?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  params?: Record<string, unknown>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** A report with thousands of faults helps nobody; the first ones locate the problem. */
const MAX_MESSAGE_ISSUES = 10;
const MAX_DETAIL_ISSUES = 100;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

function bound(issue: ZodLikeIssue, op: '>' | '<'): string {
  const limit = op === '>' ? issue.minimum : issue.maximum;
  const sign = issue.inclusive === false ? op : `${op}=`;
  if (issue.origin === 'array') return `expected ${op === '>' ? 'at least' : 'at most'} ${String(limit)} item(s)`;
  if (issue.origin === 'string') return op === '>' ? 'expected a non-empty string' : `expected at most ${String(limit)} characters`;
  return `expected number ${sign} ${String(limit)}`;
}

/** Plain messages in the spec's style: `expected number`, `required`, `expected one of ...`. */
export function describeIssue(issue: ZodLikeIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // JSON has objects, not records; zod omits `input` when the key is absent: a missing value.
      const expected = issue.expected === 'record' ? 'object' : String(issue.expected);
      return !('input' in issue) || issue.input === undefined ? `required (expected ${expected})` : `expected ${expected}`;
    }
    case 'invalid_value':
      return `expected one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return bound(issue, '>');
    case 'too_big':
      return bound(issue, '<');
    default:
      return issue.message;
  }
}

function ruleOf(issue: ZodLikeIssue): IssueRule | undefined {
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  switch (issue.code) {
    case 'invalid_type':
      return !('input' in issue) || issue.input === undefined ? { kind: 'required' } : { kind: 'type', expected: String(issue.expected) };
    case 'invalid_value':
      return { kind: 'oneOf' };
    case 'too_small':
    case 'too_big':
      if (issue.origin === 'array') return { kind: issue.code === 'too_small' ? 'minItems' : 'maxItems', limit };
      if (issue.origin === 'string') return issue.code === 'too_small' ? { kind: 'nonEmpty' } : { kind: 'maxLength', limit };
      return { kind: issue.code === 'too_small' ? 'min' : 'max', limit, inclusive: issue.inclusive !== false };
    case 'custom': {
      const key = issue.params?.key;
      const bound = issue.params?.limit;
      return typeof key === 'string' ? { kind: 'custom', key, ...(typeof bound === 'number' ? { limit: bound } : {}) } : undefined;
    }
    default:
      return undefined;
  }
}

export function fromZodIssues(issues: readonly ZodLikeIssue[]): InputIssue[] {
  return issues.map((issue) => {
    const rule = ruleOf(issue);
    return { path: formatPath(issue.path), message: describeIssue(issue), ...(rule ? { rule } : {}) };
  });
}

/** One error that lists every fault (up to a cap), the first one first: `deals[41].amount: expected number`. */
export function inputError(what: string, issues: readonly InputIssue[]): KamError {
  const lines = issues.slice(0, MAX_MESSAGE_ISSUES).map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length > MAX_MESSAGE_ISSUES ? `\n(and ${issues.length - MAX_MESSAGE_ISSUES} more)` : '';
  return new KamError('INPUT_INVALID', `${lines.join('\n')}${more}`, {
    details: { what, issues: issues.slice(0, MAX_DETAIL_ISSUES) },
  });
}
