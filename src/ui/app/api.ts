import type { ApiError } from '../api-types';
import type { PageContext } from './context';

/** A failed call, with what the page needs to say about it. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Calls our JSON API with the credentials the CRM gave this frame (checked by the server on every call). */
export function createApi(context: PageContext) {
  const headers = (): Record<string, string> => {
    const common = { 'X-Kam-Crm': context.crm, 'Accept-Language': context.lang };
    return 'token' in context.auth
      ? { ...common, Authorization: `Bearer ${context.auth.token}` }
      : { ...common, 'X-Kam-Member-Id': context.auth.memberId, 'X-Kam-Auth': context.auth.authId };
  };
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? headers() : { ...headers(), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const payload = (await response.json().catch(() => null)) as ApiError | null;
      throw new ApiCallError(response.status, payload?.error.code ?? 'HTTP', payload?.error.message ?? response.statusText, payload?.error.fields);
    }
    return response;
  };
  return {
    get: async <T>(path: string): Promise<T> => (await (await call('GET', path)).json()) as T,
    post: async <T>(path: string, body: unknown): Promise<T> => (await (await call('POST', path, body)).json()) as T,
    /** A file download: fetched with the frame's credentials, handed to the browser as a blob. */
    download: async (path: string, fallbackName: string): Promise<void> => {
      const response = await call('GET', path);
      const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}

export type Api = ReturnType<typeof createApi>;
