/**
 * Runs one scenario of the official @bitrix24/b24jssdk against a running sandbox and prints the
 * outcome as one JSON line. It runs in its own Node process (through tsx) because the SDK's CJS
 * build requires the ESM-only `qs-esm`, which Jest's module runtime cannot load on Node 20;
 * plain Node 20.19+ can, so the SDK runs here exactly as an app would run it.
 * Usage: tsx bitrix24-sdk-scenarios.ts <scenario> '<ready line JSON>'
 */
import type { RestrictionParams } from '@bitrix24/b24jssdk';
import type { ReadyLine } from './bitrix24-sdk-clients';
import { hookClient, oauthClient } from './bitrix24-sdk-clients';

type Scenario = (ready: ReadyLine) => Promise<unknown>;

const scenarios: Record<string, Scenario> = {
  async callList(ready) {
    // The SDK's own bucket is per instance; widen it so the run measures the portal, not the client.
    const result = await oauthClient(ready, { rateLimit: { burstLimit: 1000, drainRate: 100, adaptiveEnabled: false } satisfies RestrictionParams['rateLimit'] }).actions.v2.callList.make<{ ID: string; OPPORTUNITY: string }>({
      method: 'crm.deal.list', params: { select: ['ID', 'OPPORTUNITY'] },
    });
    return { ok: result.isSuccess, ids: (result.getData() ?? []).map((row) => Number(row.ID)), amounts: (result.getData() ?? []).slice(0, 20).map((row) => Number(row.OPPORTUNITY)) };
  },
  async fetchItems(ready) {
    const ids: number[] = [];
    for await (const page of oauthClient(ready).actions.v2.fetchList.make<{ id: number }>({
      method: 'crm.item.list', params: { entityTypeId: 4, select: ['id', 'title'] }, idKey: 'id', customKeyForResult: 'items',
    })) ids.push(...page.map((item) => item.id));
    return { ids };
  },
  async batch(ready) {
    const batch = await oauthClient(ready).actions.v2.batch.make<unknown>({
      calls: { deal: ['crm.deal.get', { id: 5 }], stages: ['crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_1' } }] },
      options: { isHaltOnError: false },
    });
    const data = batch.getData() as Record<string, unknown>;
    return { ok: batch.isSuccess, deal: data.deal, stages: data.stages };
  },
  async hook(ready) {
    const answer = await hookClient(ready).actions.v2.call.make<{ ID: string }>({ method: 'user.current' });
    return { id: answer.getData()?.result.ID };
  },
  async refresh(ready) {
    // Claim a long local lifetime so the portal's 401 expired_token is what triggers the refresh.
    const b24 = oauthClient({ ...ready, expires: Math.floor(Date.now() / 1000) + 86_400 });
    const pairs: Array<{ access: string; refresh: string }> = [];
    b24.setCallbackRefreshAuth(async ({ b24OAuthParams }) => {
      pairs.push({ access: b24OAuthParams.accessToken, refresh: b24OAuthParams.refreshToken });
    });
    const answer = await b24.actions.v2.call.make<{ ID: string }>({ method: 'profile' });
    return { id: answer.getData()?.result.ID, pairs };
  },
  async burst(ready) {
    const b24 = oauthClient(ready);
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      b24.actions.v2.call.make<{ ID: string }>({ method: 'crm.deal.get', params: { id: i + 1 } })));
    return { ok: answers.filter((answer) => answer.isSuccess).length };
  },
};

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const scenario = scenarios[name ?? ''];
  if (!scenario || !json) throw new Error(`usage: <${Object.keys(scenarios).join('|')}> <ready line>`);
  process.stdout.write(`${JSON.stringify(await scenario(JSON.parse(json) as ReadyLine))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
