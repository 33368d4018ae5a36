import type { InputIssue } from '../model/input-issues';
import type { I18n } from './messages';

/**
 * A refused input field's sentence for the page, in the reader's language, from what was broken
 * (InputIssue.rule). The issue's own `message` is the engine's English (`expected number >= 0`),
 * kept for the CLI, logs and the API's machine readers, never shown on a page.
 */
export function issueText(i18n: Pick<I18n, 'pages' | 'fmt'>, issue: Pick<InputIssue, 'rule'>): string {
  const { fieldError } = i18n.pages;
  const rule = issue.rule;
  const n = (limit: number) => i18n.fmt.number(limit);
  switch (rule?.kind) {
    case 'required':
    case 'nonEmpty':
      return fieldError.required;
    case 'type':
      return rule.expected === 'number' ? fieldError.number : rule.expected === 'string' ? fieldError.text : fieldError.invalid;
    case 'oneOf':
      return fieldError.oneOf;
    case 'min':
      return rule.inclusive ? fieldError.min(n(rule.limit)) : fieldError.above(n(rule.limit));
    case 'max':
      return rule.inclusive ? fieldError.max(n(rule.limit)) : fieldError.below(n(rule.limit));
    case 'minItems':
      return fieldError.minItems(n(rule.limit));
    case 'maxItems':
      return fieldError.maxItems(n(rule.limit));
    case 'maxLength':
      return fieldError.maxLength(n(rule.limit));
    case 'custom': {
      const text = fieldError.custom[rule.key];
      if (typeof text === 'function') return text(n(rule.limit ?? 0));
      return text ?? fieldError.invalid;
    }
    default:
      return fieldError.invalid;
  }
}
