import type { DemoRun } from '../../../src/app/demo/run-demo';
import { createBitrix24Connector } from '../../../src/connectors/bitrix24/bitrix24-connector';
import { apiRoutes, type PageUseCases } from '../../../src/http/api.routes';
import { bitrix24FrameChecks } from '../../../src/http/bitrix24-frame-checks';
import { createHttpApp } from '../../../src/http/create-http-app';
import { listen, type ListeningServer } from '../../../src/http/listen';
import { createCallerVerifier } from '../../../src/http/page-caller';
import { pagesRoutes } from '../../../src/http/pages.routes';
import { createSilentLogger } from '../../../src/logging/logger';

/**
 * The pages and their API on a server of their own, verifying callers against the demo's real
 * sandbox portal (frame token, user.admin), with the use cases given (test doubles or none).
 */
export async function startPagesServer(demo: DemoRun, useCases: PageUseCases): Promise<ListeningServer> {
  const service = demo.runtime.bitrix24;
  const { clientId, clientSecret, oauthUrl } = demo.runtime.config.bitrix24;
  if (!service || !clientId || !clientSecret) throw new Error('the demo runs without Bitrix24');
  const logger = createSilentLogger();
  const connector = createBitrix24Connector({ settings: { clientId, clientSecret, oauthUrl, ratePerSecond: 50, burst: 100 }, storage: demo.runtime.storage, logger });
  const verifier = createCallerVerifier({ bitrix24: bitrix24FrameChecks({ service, connector }) });
  const app = createHttpApp({ logger, routers: [pagesRoutes({ verifier, defaultLang: 'ru' }), apiRoutes({ verifier, defaultLang: 'ru', useCases })] });
  return listen(app, { host: '127.0.0.1', port: 0 });
}
