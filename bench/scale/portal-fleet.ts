import { randomBytes } from 'node:crypto';
import http from 'node:http';
import axios from 'axios';
import { startAmoCrmSandbox, type RunningAmoCrmSandbox } from '../../src/sandbox/amocrm';
import { startBitrix24Sandbox, type RunningBitrix24Sandbox } from '../../src/sandbox/bitrix24';
import { checkSandbox, type SandboxCheck } from '../../test/integration/workers/sandbox-checks';
import { startFront, type Front } from './front';

/**
 * Many small portals for the scale bench: `bitrix24` Bitrix24 sandbox portals and `amocrm` amoCRM
 * sandbox accounts, each a sandbox of its own on its own loopback port (one portal or account per
 * sandbox, each with its own rate limit, as on the real clouds), all installing ONE app: one
 * Bitrix24 Market app (client id and secret) and one amoCRM integration, as a vendor has. In
 * front of the app's web process sits the front (front.ts): the reverse proxy production runs,
 * and Bitrix24's one OAuth server for all portals.
 */
export interface Portal {
  crm: 'bitrix24' | 'amocrm';
  index: number;
  url: string;
  /** The installation's external id: Bitrix24 member_id, amoCRM account id. */
  externalId: string;
  bitrix24?: RunningBitrix24Sandbox;
  amocrm?: RunningAmoCrmSandbox;
}

export interface Fleet {
  portals: Portal[];
  front: Front;
  /** The app's environment for these portals (credentials, OAuth server, allowed hosts, public URL). */
  appEnv: Record<string, string>;
  /** Installs the app in every portal through its real install path, `parallel` at a time; resolves with the failures. */
  installAll(parallel: number, onInstalled?: (portal: Portal) => void): Promise<string[]>;
  /** What the portals counted: requests and refusals (429 / QUERY_LIMIT_EXCEEDED), per CRM and per portal. */
  stats(): Promise<PortalStats[]>;
  /** What every portal's own state shows: companies with a tier, and to-dos / KPI comments written twice (summed). */
  check(): Promise<SandboxCheck>;
  close(): Promise<void>;
}

export interface PortalStats {
  crm: Portal['crm'];
  externalId: string;
  requests: number;
  rejected: number;
}

// A fresh connection per control call: a kept-alive one may be closed by the server just as we reuse it.
/** An install refused for the app's exchange budget (429) is tried again, once a second, up to this many times. */
const INSTALL_ATTEMPTS = 300;
const control = axios.create({ httpAgent: new http.Agent({ keepAlive: false }), timeout: 60_000 });

export async function startFleet(options: { bitrix24: number; amocrm: number; companies: number; contacts: number; deals: number; seed: number }): Promise<Fleet> {
  const front = await startFront();
  const portals: Portal[] = [];
  const bitrixSecret = randomBytes(24).toString('base64url');
  const amoIntegration = { clientId: '6f1c8f1e-5c52-4f7e-9a2b-5ca1ebe9c0de', clientSecret: randomBytes(32).toString('base64url') };
  let bitrixClientId = '';
  try {
    for (let i = 0; i < options.bitrix24; i += 1) {
      const sandbox = await startBitrix24Sandbox({
        port: 0, companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed * 1000 + i, rateLimit: true,
      });
      // One Market app in every portal: the same client secret everywhere (the sandbox draws one per portal).
      sandbox.runtime.state.app.clientSecret = bitrixSecret;
      bitrixClientId = sandbox.runtime.state.app.clientId;
      front.addOAuthPortal(i, sandbox.url);
      portals.push({ crm: 'bitrix24', index: i, url: sandbox.url, externalId: sandbox.runtime.state.app.memberId, bitrix24: sandbox });
    }
    for (let i = 0; i < options.amocrm; i += 1) {
      const sandbox = await startAmoCrmSandbox({
        port: 0, companies: options.companies, contacts: options.contacts, deals: options.deals, seed: options.seed * 1000 + 500 + i, rateLimit: true,
        integration: amoIntegration,
        // amo waits 3 s for the install GET; a loaded 2-core box serving 100 installs may need longer.
        installTimeoutMs: 20_000,
      });
      portals.push({ crm: 'amocrm', index: i, url: sandbox.url, externalId: String(sandbox.readyLine.accountId), amocrm: sandbox });
    }
  } catch (error) {
    await Promise.allSettled(portals.map((portal) => (portal.bitrix24 ?? portal.amocrm)?.close()));
    await front.close();
    throw error;
  }

  const appEnv: Record<string, string> = {
    KAM_PUBLIC_URL: front.url,
    BITRIX24_OAUTH_URL: `${front.url}/`,
    BITRIX24_PORTAL_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
    AMOCRM_ACCOUNT_HOSTS: '^127\\.0\\.0\\.1:\\d+$',
    AMOCRM_CLIENT_ID: amoIntegration.clientId,
    AMOCRM_CLIENT_SECRET: amoIntegration.clientSecret,
    AMOCRM_RATE_PER_SECOND: '7',
  };
  if (options.bitrix24 > 0) Object.assign(appEnv, { BITRIX24_CLIENT_ID: bitrixClientId, BITRIX24_CLIENT_SECRET: bitrixSecret });

  const install = async (portal: Portal): Promise<void> => {
    if (portal.bitrix24) {
      // The installer frame comes from the admin's browser, ONAPPINSTALL from the portal: each through the proxy with its own address.
      // The app's OAuth exchanges are capped for all portals together (60 at once, then one a
      // second: bitrix24-inbound.ts); past it the installer frame answers 429 with a page that
      // posts itself again, as the admin's browser does here a second later.
      const via = front.via(portal.index);
      for (let attempt = 1; ; attempt += 1) {
        const answer = await control.post(`${portal.url}/_sandbox/install`, { installUrl: `${via}/bitrix24/install`, eventsUrl: `${via}/bitrix24/events` });
        const body = answer.data as { installed: boolean; installer?: { status: number | null; error?: string } };
        if (body.installed) return;
        if (body.installer?.status !== 429 || attempt >= INSTALL_ATTEMPTS) throw new Error(`installer answered ${body.installer?.status ?? body.installer?.error ?? 'nothing'}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    // amo's widget installs all come from amo's servers and share the app's exchange budget (60 at
    // once, then one a second: amocrm-exchange-budget.ts): past it the app answers 429 and asks amo
    // nothing, and the admin installs again, here a second later with a fresh code (amo never resends).
    for (let attempt = 1; ; attempt += 1) {
      const answer = await control.post(`${portal.url}/_sandbox/install`, { redirectUri: `${front.url}/amocrm/oauth` });
      const sent = answer.data as { status: number | null; error?: string };
      if (sent.status === 200) return;
      if (sent.status !== 429 || attempt >= INSTALL_ATTEMPTS) throw new Error(`the app answered the install with ${sent.status ?? sent.error ?? 'nothing'}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };

  return {
    portals,
    front,
    appEnv,
    async installAll(parallel, onInstalled) {
      const failures: string[] = [];
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < portals.length; i = next++) {
          const portal = portals[i] as Portal;
          try {
            await install(portal);
            onInstalled?.(portal);
          } catch (error) {
            failures.push(`${portal.crm} #${portal.index}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
      return failures;
    },
    async stats() {
      return Promise.all(portals.map(async (portal) => {
        const body = (await control.get(`${portal.url}/_sandbox/stats`)).data as { requests: number; rejections: Record<string, number> };
        const rejected = Object.values(body.rejections ?? {}).reduce((a, b) => a + b, 0);
        return { crm: portal.crm, externalId: portal.externalId, requests: body.requests, rejected };
      }));
    },
    async check() {
      const total: SandboxCheck = { companies: 0, companiesWithTier: 0, duplicateOpenTodos: 0, duplicateComments: 0 };
      for (const portal of portals) {
        const state = (await control.get(`${portal.url}/_sandbox/state`)).data as Record<string, unknown>;
        const one = checkSandbox(portal.crm, state);
        for (const key of Object.keys(total) as Array<keyof SandboxCheck>) total[key] += one[key];
      }
      return total;
    },
    async close() {
      await Promise.allSettled(portals.map((portal) => (portal.bitrix24 ?? portal.amocrm)?.close()));
      await front.close();
    },
  };
}
