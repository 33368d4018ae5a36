import qs from 'qs';

/**
 * Parses a query string the way amo's PHP backend does (`parse_str`): a key written twice keeps
 * its LAST value, and only keys ending in `[]` collect a list. A client that resends its filter
 * on top of `_links.next` sends `filter[updated_at][from]` twice; qs would combine the two into
 * an array and the range filter would be silently lost (shared/reference/real-portal-notes.md,
 * amoCRM 1; https://www.php.net/manual/en/function.parse-str.php).
 */
const MAX_PARAMETERS = 5000;

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Express hands over null when the URL has no query at all. */
export function parsePhpQuery(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  const kept = new Map<string, string>();
  const listed: Array<[string, string]> = [];
  for (const pair of text.split('&').slice(0, MAX_PARAMETERS)) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decode(pair.slice(at + 1));
    if (key === '') continue;
    if (key.endsWith('[]')) listed.push([key, value]);
    else {
      // Map.set on an existing key keeps its first position but takes the new value, as PHP does.
      kept.set(key, value);
    }
  }
  const rebuilt = [...kept.entries(), ...listed].map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
  return qs.parse(rebuilt, { depth: 5, arrayLimit: 1000, parameterLimit: MAX_PARAMETERS });
}
