import { issueText } from '../../../src/core/i18n/issue-text';
import { i18n } from '../../../src/core/i18n/messages';
import type { InputIssue } from '../../../src/core/model/input-issues';
import { parseCriteriaConfig } from '../../../src/core/scoring/criteria-config';

/**
 * A refused settings field as the page shows it: the engine keeps its English `message` (the CLI
 * and the API's machine readers rely on it, engine.md) and adds what was broken, which the page
 * says in the reader's language.
 */
const issuesOf = (config: unknown): InputIssue[] => {
  const parsed = parseCriteriaConfig(config);
  if (parsed.ok) throw new Error('the config was expected to be refused');
  return parsed.error.details.issues as InputIssue[];
};
const base = {
  criteria: [{ id: 'p', metric: 'field:p', weight: 1, scale: { type: 'linear', min: 0, max: 1 } }],
  tiers: [{ id: 'key', minScore: 70 }, { id: 'rest', minScore: 0 }],
};

describe('refused fields in the reader\'s language', () => {
  it('keeps the engine\'s English message and names the broken rule beside it', () => {
    const issues = issuesOf({ ...base, criteria: [{ ...base.criteria[0], weight: -2 }, { ...base.criteria[0], weight: 'x' }] });
    expect(issues).toEqual(expect.arrayContaining([
      { path: 'criteria[0].weight', message: 'expected number >= 0', rule: { kind: 'min', limit: 0, inclusive: true } },
      { path: 'criteria[1].weight', message: 'expected number', rule: { kind: 'type', expected: 'number' } },
    ]));
    expect(issues.map((issue) => issueText(i18n('ru'), issue))).toEqual(expect.arrayContaining(['Не меньше 0.', 'Введите число.']));
    expect(issues.map((issue) => issueText(i18n('en'), issue))).toEqual(expect.arrayContaining(['At least 0.', 'Enter a number.']));
  });

  it('says the cross-field checks (tier order, the last tier, duplicate codes, equal bounds) in both languages, numbers in the reader\'s format', () => {
    const issues = issuesOf({
      criteria: [base.criteria[0], { ...base.criteria[0], scale: { type: 'linear', min: 5, max: 5 } }],
      tiers: [{ id: 'key', minScore: 62.5 }, { id: 'key', minScore: 80 }, { id: 'rest', minScore: 10 }],
    });
    const text = (lang: 'ru' | 'en', path: string) => issueText(i18n(lang), issues.find((issue) => issue.path === path) ?? {});
    expect(text('ru', 'tiers[1].minScore')).toBe('Должен быть меньше минимального балла уровня выше (62,5).');
    expect(text('en', 'tiers[1].minScore')).toBe('Must be lower than the minimum score of the tier above (62.5).');
    expect(text('en', 'tiers[1].id')).toBe('This code is taken: codes must differ.');
    expect(text('ru', 'tiers[2].minScore')).toMatch(/^У последнего уровня минимальный балл должен быть 0/);
    expect(text('en', 'criteria[1].id')).toBe('This code is taken: codes must differ.');
    expect(text('ru', 'criteria[1].scale.max')).toBe('Минимум и цель должны различаться.');
    // The English for the CLI is unchanged.
    expect(issues.find((issue) => issue.path === 'tiers[1].minScore')?.message).toBe('must be lower than tiers[0].minScore (62.5)');
  });

  it('falls back to a plain sentence, never the English, for a fault it has no words for', () => {
    expect(issueText(i18n('ru'), {})).toBe('Недопустимое значение.');
    expect(issueText(i18n('en'), { rule: { kind: 'custom', key: 'somethingNew' } })).toBe('This value is not allowed.');
  });
});
