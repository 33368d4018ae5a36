import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

/** Runs before the sandbox serves a request; the request is served once it settles (whichever way). */
export type BeforeServe = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * A sandbox's HTTP server on 127.0.0.1 (`port` 0: a free one). With `beforeServe`, every request
 * waits for it before the sandbox's app sees it: `kam demo --kill-worker-at` holds one answer
 * there while it kills the worker that asked (src/sandbox/demo/held-answer.ts).
 */
export function listenSandbox(app: RequestListener, port: number, beforeServe?: BeforeServe): Promise<Server> {
  const listener: RequestListener = beforeServe
    ? (request, response) => {
        const serve = () => app(request, response);
        void beforeServe(request, response).then(serve, serve);
      }
    : app;
  return new Promise<Server>((resolve, reject) => {
    const server = createServer(listener);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
