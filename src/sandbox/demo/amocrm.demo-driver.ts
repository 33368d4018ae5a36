import http from 'node:http';
import axios from 'axios';
import { KamError } from '../../core/errors';
import type { DemoDriver } from '../../app/demo/demo-driver';
import { holdingAnswers } from './held-answer';
import { startAmoCrmSandbox, type RunningAmoCrmSandbox } from '../amocrm';

/**
 * `kam demo --crm amocrm`: the rate-limited amoCRM sandbox account (7 requests a second per
 * integration), and the app installed the way amo installs it: the integration's Redirect URI
 * pointed at the app, then the GET with `code` and `referer` amo sends when an admin installs.
 */
// A fresh connection per control call: a kept-alive one may be closed by the server just as we reuse it.
const control = axios.create({ httpAgent: new http.Agent({ keepAlive: false }) });

export const amocrmDemoDriver: DemoDriver<RunningAmoCrmSandbox> = {
  crm: 'amocrm',
  async start(options) {
    const sandbox = await startAmoCrmSandbox({
      port: 0, companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed, rateLimit: true,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
      ...(options.freshPortal ? { fresh: true } : {}),
      ...(options.holdAnswer ? { beforeServe: holdingAnswers(options.holdAnswer) } : {}),
    });
    const ready = sandbox.readyLine as { clientId: string; clientSecret: string; accountId: number; anchorDate: string; counts: Record<string, number> };
    return {
      handle: sandbox,
      url: sandbox.url,
      readyLine: sandbox.readyLine,
      config: {
        AMOCRM_CLIENT_ID: ready.clientId,
        AMOCRM_CLIENT_SECRET: ready.clientSecret,
        AMOCRM_ACCOUNT_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
        // amo's documented cap; the demo measures against it.
        AMOCRM_RATE_PER_SECOND: '7',
      },
      externalId: String(ready.accountId),
      anchorDate: ready.anchorDate,
      total: (ready.counts.companies ?? 0) + (ready.counts.contacts ?? 0) + (ready.counts.leads ?? 0),
      async install(appUrl) {
        const answer = await control.post(`${sandbox.url}/_sandbox/install`, { redirectUri: `${appUrl}/amocrm/oauth` });
        const sent = answer.data as { status: number | null; error?: string };
        if (sent.status !== 200) throw new KamError('CRM_REJECTED', `The app did not accept the amoCRM install (answered ${sent.status ?? sent.error ?? 'nothing'})`);
        await sandbox.webhooksIdle();
      },
      async mutate(count, _seed) {
        if (count > 0) await control.post(`${sandbox.url}/_sandbox/mutate`, { count, entity: 'leads' });
        await sandbox.webhooksIdle();
      },
      async state() {
        return (await control.get(`${sandbox.url}/_sandbox/state`)).data as Record<string, unknown>;
      },
      cardUrl: `${sandbox.url}/_sandbox/state`,
      close: () => sandbox.close(),
    };
  },
};
