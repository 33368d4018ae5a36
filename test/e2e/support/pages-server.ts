import type { DemoRun } from '../../../src/app/demo/run-demo';
import type { Bitrix24Crm } from '../../../src/connectors/bitrix24/bitrix24-crm';
import { bitrix24FrameAdmin, bitrix24FrameUserId } from '../../../src/connectors/bitrix24/bitrix24-frame-admin';
import { apiRoutes, type PageUseCases } from '../../../src/http/api.routes';
import { bitrix24FrameChecks } from '../../../src/http/bitrix24-frame-checks';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { createCallerVerifier } from '../../../src/http/page-caller';
import { pagesRoutes } from '../../../src/http/pages.routes';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * The pages and their API on a server of their own, verifying callers against the demo's real
 * sandbox portal (frame token through the connector's inbound adapter, user.admin), with the
 * use cases given (test doubles or none).
 */
export async function startPagesServer(demo: DemoRun<unknown>, useCases: PageUseCases): Promise<ListeningServer> {
  const crm = demo.runtime.connectors.bitrix24 as Bitrix24Crm | undefined;
  if (!crm) throw new Error('the demo runs without Bitrix24');
  const verifier = createCallerVerifier({ bitrix24: bitrix24FrameChecks({ inbound: crm.inbound, askAdmin: bitrix24FrameAdmin(crm), askUserId: bitrix24FrameUserId(crm) }) });
  const logger = createSilentLogger();
  const app = createHttpApp({ logger, routers: [pagesRoutes({ verifier, defaultLang: 'ru' }), apiRoutes({ verifier, defaultLang: 'ru', useCases })] });
  return listen(app, { host: '127.0.0.1', port: 0 });
}
