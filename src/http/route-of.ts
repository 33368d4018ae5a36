import type { Request } from 'express';

/**
 * Where a request went, for a log line: the route pattern it matched
 * (`/amocrm/webhooks/:installationId/:secret`), never the client's path, which may carry a secret
 * (amoCRM's webhook destination) or be 200 KB long. Only a request no route matched (a 404, an
 * app-level parser refusal) is named by its path, cut, and redact.ts masks secrets in it by shape.
 */
export function whereOf(req: Request): { route: string } | { path: string } {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return { route: `${req.baseUrl}${pattern}` };
  return { path: req.path.length > 200 ? `${req.path.slice(0, 200)}…` : req.path };
}
