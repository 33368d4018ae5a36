import type { ServerResponse } from 'node:http';
import type { DemoSandboxOptions } from '../../app/demo/demo-driver';
import type { BeforeServe } from '../shared/listen';

/**
 * The sandbox side of DemoSandboxOptions.holdAnswer: each request is served at once (the CRM
 * has it, counts it and applies it, as a real one would), but when the demo says so its answer
 * is sent only once the demo's promise settles. The asking worker is then still waiting for it
 * when the demo kills it: a request on the wire, never a phase already over.
 */
export function holdingAnswers(holdAnswer: NonNullable<DemoSandboxOptions['holdAnswer']>): BeforeServe {
  return async (_request, response) => {
    const hold = await holdAnswer().catch(() => null);
    if (!hold) return;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    // express answers through res.end (res.send, res.json, res.status().end()): the last step waits.
    response.end = ((...args: unknown[]) => {
      const send = () => end(...args);
      void hold.until.then(send, send);
      return response;
    }) as ServerResponse['end'];
  };
}
