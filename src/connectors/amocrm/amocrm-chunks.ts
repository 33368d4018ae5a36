import { isKamError } from '../../core/errors';
import { isAccountBlocked, validationOf, vendorCodeOf, GATEWAY_TIMEOUT } from './amocrm-errors';

/**
 * Sends writes in chunks of 50 (amo's recommendation, amocrm-api-php README; at most 250) and
 * sorts each item into done / failed / unknown:
 * - 504 means the batch was too big (https://www.amocrm.ru/developers/content/api/recommendations):
 *   an update is halved and sent again; a create's outcome is unknown (amo may have written it
 *   before the gateway gave up), so it is never resent blindly, and later chunks are smaller;
 * - a 400 with validation-errors writes nothing: the named items fail, the rest go again;
 * - the 403 account block is thrown: the installation stops.
 */
export const WRITE_CHUNK = 50;

export interface ChunkItem {
  key: string;
  body: Record<string, unknown>;
}

export interface ChunkOutcome {
  done: Array<{ key: string; answer: Record<string, unknown> | undefined }>;
  failed: Array<{ key: string; reason: string }>;
  unknown: string[];
}

/** `send` posts the bodies (each carrying `request_id` = its key) and returns the answered items. */
export async function writeInChunks(
  items: ChunkItem[],
  send: (bodies: Array<Record<string, unknown>>) => Promise<Array<Record<string, unknown>>>,
  options: { idempotent: boolean; chunkSize?: number },
): Promise<ChunkOutcome> {
  const outcome: ChunkOutcome = { done: [], failed: [], unknown: [] };
  let size = options.chunkSize ?? WRITE_CHUNK;

  const attempt = async (chunk: ChunkItem[]): Promise<void> => {
    if (chunk.length === 0) return;
    try {
      const answered = await send(chunk.map((item) => ({ ...item.body, request_id: item.key })));
      const byRequest = new Map(answered.map((row) => [String(row.request_id ?? ''), row]));
      chunk.forEach((item, index) => outcome.done.push({ key: item.key, answer: byRequest.get(item.key) ?? answered[index] }));
    } catch (error) {
      if (isAccountBlocked(error) || !isKamError(error)) throw error;
      const reason = error.message;
      if (vendorCodeOf(error) === GATEWAY_TIMEOUT) {
        // This chunk's own half: `size` (for the chunks still to come) may shrink further below.
        const half = Math.max(1, Math.floor(chunk.length / 2));
        size = Math.min(size, half);
        if (!options.idempotent) {
          outcome.unknown.push(...chunk.map((item) => item.key));
          return;
        }
        if (chunk.length > 1) {
          await attempt(chunk.slice(0, half));
          await attempt(chunk.slice(half));
          return;
        }
      }
      const invalid = new Map(validationOf(error).map((issue) => [issue.requestId, issue.detail]));
      const named = chunk.filter((item) => invalid.has(item.key));
      if (named.length > 0) {
        outcome.failed.push(...named.map((item) => ({ key: item.key, reason: `${reason}: ${invalid.get(item.key) ?? ''}`.trim() })));
        await attempt(chunk.filter((item) => !invalid.has(item.key)));
        return;
      }
      const lost = error.code === 'NETWORK' || error.code === 'CRM_UNAVAILABLE';
      if (lost && !options.idempotent) outcome.unknown.push(...chunk.map((item) => item.key));
      else outcome.failed.push(...chunk.map((item) => ({ key: item.key, reason })));
    }
  };

  for (let i = 0; i < items.length;) {
    const chunk = items.slice(i, i + size);
    i += chunk.length;
    await attempt(chunk);
  }
  return outcome;
}
