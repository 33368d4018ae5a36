import { formatPath } from '../../core/model/input-issues';
import type { SettingsDiffEntry } from '../../core/ports/settings-history.port';
import { canonicalJson } from '../../core/scoring/rule-version';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * What changed between two settings documents, leaf by leaf, named by path
 * (`criteria[0].weight: 40 -> 30`). Arrays are compared by position: a criterion moved up is
 * reported as the positions whose content changed, which is what the admin sees in the list.
 */
export function diffSettings(before: unknown, after: unknown): SettingsDiffEntry[] {
  const out: SettingsDiffEntry[] = [];
  const walk = (a: unknown, b: unknown, path: PropertyKey[]): void => {
    if (canonicalJson(a) === canonicalJson(b)) return;
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], [...path, key]);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i += 1) walk(i < a.length ? a[i] : undefined, i < b.length ? b[i] : undefined, [...path, i]);
      return;
    }
    out.push({ path: formatPath(path), before: a ?? null, after: b ?? null });
  };
  walk(before, after, []);
  return out;
}
