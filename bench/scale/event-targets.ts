import http from 'node:http';
import axios from 'axios';
import qs from 'qs';
import type { LoadTarget } from './event-load';
import type { Portal } from './portal-fleet';
import type { AppDb } from './scale-db';

/**
 * The events the load generator sends, one target per synced deal or company (up to `perKind`
 * of each per installation), each exactly as its CRM sends it and signed as that CRM signs it,
 * posted straight to the web process (not through the front, whose hop is not the app's):
 * - Bitrix24: ONCRMDEALUPDATE / ONCRMCOMPANYUPDATE, form-encoded, with the portal's member_id
 *   and application_token (https://apidocs.bitrix24.com/api-reference/events/index.html). No
 *   auth[user_id]: the change is a person's, not an echo of the app's own write.
 * - amoCRM: `leads[update][0][id]` / `contacts[update][0][id]` with type=company and account[id],
 *   to the webhook destination (with its secret) the app subscribed in that account
 *   (https://www.amocrm.ru/developers/content/crm_platform/webhooks-format).
 */
export interface EventTarget extends LoadTarget {
  installationId: string;
  crm: Portal['crm'];
  kind: string;
  crmId: string;
}

const control = axios.create({ httpAgent: new http.Agent({ keepAlive: false }), timeout: 60_000 });

export async function buildEventTargets(options: { portals: Portal[]; db: AppDb; webUrl: string; perKind: number }): Promise<EventTarget[]> {
  const installations = await options.db.installations();
  const byExternal = new Map(installations.map((row) => [`${row.crm}|${row.externalId}`, row.id]));
  const ids = await options.db.entityIds(['deal', 'company'], options.perKind);
  const idsOf = new Map<string, Array<{ kind: string; crmId: string }>>();
  for (const row of ids) {
    const list = idsOf.get(row.installationId) ?? [];
    list.push({ kind: row.kind, crmId: row.crmId });
    idsOf.set(row.installationId, list);
  }
  const targets: EventTarget[] = [];
  for (const portal of options.portals) {
    const installationId = byExternal.get(`${portal.crm}|${portal.externalId}`);
    if (!installationId) continue;
    const entities = idsOf.get(installationId) ?? [];
    if (portal.bitrix24) {
      const { app } = portal.bitrix24.runtime.state;
      for (const entity of entities) {
        const body = qs.stringify({
          event: entity.kind === 'deal' ? 'ONCRMDEALUPDATE' : 'ONCRMCOMPANYUPDATE', event_handler_id: '1',
          data: { FIELDS: { ID: entity.crmId } }, ts: String(Math.floor(Date.now() / 1000)),
          auth: { domain: app.domain, client_endpoint: `${portal.url}/rest/`, server_endpoint: `${portal.url}/rest/`, member_id: app.memberId, application_token: app.applicationToken },
        });
        targets.push({ installationId, crm: 'bitrix24', ...entity, url: `${options.webUrl}/bitrix24/events`, body, contentType: 'application/x-www-form-urlencoded' });
      }
      continue;
    }
    const state = (await control.get(`${portal.url}/_sandbox/state`)).data as { webhooks?: Array<{ destination: string }> };
    const hook = state.webhooks?.find((candidate) => candidate.destination.includes('/amocrm/webhooks/'));
    if (!hook) continue;
    const destination = new URL(hook.destination);
    for (const entity of entities) {
      const item = entity.kind === 'deal' ? { leads: { update: [{ id: entity.crmId }] } } : { contacts: { update: [{ id: entity.crmId, type: 'company' }] } };
      const body = qs.stringify({ ...item, account: { id: portal.externalId, subdomain: 'kampilot' } }, { arrayFormat: 'indices' });
      targets.push({ installationId, crm: 'amocrm', ...entity, url: `${options.webUrl}${destination.pathname}${destination.search}`, body, contentType: 'application/x-www-form-urlencoded' });
    }
  }
  return targets;
}
