import axios from 'axios';
import { KamError } from '../../core/errors';
import type { DemoDriver } from '../../app/demo/demo-driver';
import { holdingAnswers } from './held-answer';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../bitrix24';

/**
 * `kam demo --crm bitrix24`: the rate-limited Bitrix24 sandbox portal, and the app installed the
 * way a portal installs it (the installer frame, then ONAPPINSTALL over HTTP).
 */
export const bitrix24DemoDriver: DemoDriver<RunningBitrix24Sandbox> = {
  crm: 'bitrix24',
  async start(options) {
    const sandbox = await startBitrix24Sandbox({
      port: 0, companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed, rateLimit: true,
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
      ...(options.freshPortal ? { freshPortal: true } : {}),
      ...(options.holdAnswer ? { beforeServe: holdingAnswers(options.holdAnswer) } : {}),
    });
    const ready = sandbox.readyLine as { clientId: string; clientSecret: string; memberId: string; anchorDate: string; counts: Record<string, number> };
    return {
      handle: sandbox,
      url: sandbox.url,
      readyLine: sandbox.readyLine,
      config: {
        BITRIX24_CLIENT_ID: ready.clientId,
        BITRIX24_CLIENT_SECRET: ready.clientSecret,
        BITRIX24_OAUTH_URL: `${sandbox.url}/`,
        BITRIX24_PORTAL_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
      },
      externalId: ready.memberId,
      anchorDate: ready.anchorDate,
      total: (ready.counts.companies ?? 0) + (ready.counts.contacts ?? 0) + (ready.counts.deals ?? 0),
      async install(appUrl) {
        const install = await axios.post(`${sandbox.url}/_sandbox/install`, { installUrl: `${appUrl}/bitrix24/install`, eventsUrl: `${appUrl}/bitrix24/events` });
        const installed = install.data as { installed: boolean; installer?: { status: number | null } };
        if (!installed.installed) throw new KamError('CRM_REJECTED', `The sandbox portal did not finish the install (installer answered ${installed.installer?.status ?? 'nothing'})`);
        await sandbox.eventsIdle();
      },
      async mutate(count, seed) {
        await axios.post(`${sandbox.url}/_sandbox/mutate`, { count, entity: 'deal', seed });
        await sandbox.eventsIdle();
      },
      async state() {
        return (await axios.get(`${sandbox.url}/_sandbox/state`)).data as Record<string, unknown>;
      },
      cardUrl: `${sandbox.url}/_sandbox/open?placement=CRM_DEAL_DETAIL_TAB`,
      close: () => sandbox.close(),
    };
  },
};
