import { createBitrix24Crm, asBitrix24Slot } from '../../../src/connectors/bitrix24/bitrix24-crm';
import { createSilentLogger } from '../../../src/logging/logger';
import { startBitrix24Sandbox, type Bitrix24SandboxState } from '../../../src/sandbox/bitrix24';
import { createStorage } from '../../../src/storage';
import { describeCrmWriterContract } from './crm-writer.contract';
import { installSandboxPortal } from '../../integration/bitrix24/sandbox-client';

/** The CrmWriter battery against the Bitrix24 sandbox portal, through the real connector and setup. */
jest.setTimeout(60_000);

const COMPANY_TYPE_ID = 4;

describeCrmWriterContract('Bitrix24', async () => {
  const sandbox = await startBitrix24Sandbox({ port: 0, companies: 6, contacts: 6, deals: 20, seed: 3, rateLimit: false });
  const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 5) });
  const ready = sandbox.readyLine as { memberId: string; domain: string; clientEndpoint: string; accessToken: string; refreshToken: string; clientId: string; clientSecret: string; url: string; anchorDate: string };
  const installation = await installSandboxPortal(storage, sandbox);
  const crm = createBitrix24Crm({
    settings: { clientId: ready.clientId, clientSecret: ready.clientSecret, oauthUrl: `${ready.url}/`, ratePerSecond: 1000, burst: 1000 },
    storage,
    logger: createSilentLogger(),
    portalHosts: /^127\.0\.0\.1:\d+$/,
  });
  const session = crm.session(installation);
  const tiers = [
    { id: 'key', ru: 'Ключевой', en: 'Key account' },
    { id: 'develop', ru: 'Развивать', en: 'Develop' },
    { id: 'standard', ru: 'Стандарт', en: 'Standard' },
  ];
  const { slot } = await session.setUp({ publicUrl: 'http://127.0.0.1:9', lang: 'en', tiers, contactFields: false, slot: null });
  const fields = asBitrix24Slot(slot);
  if (!fields) throw new Error('setup left no tier fields');
  const tierOfItem = new Map(Object.entries(fields.tierItemIds).map(([tier, itemId]) => [String(itemId), tier]));
  const { client } = crm.portal(installation);
  const companies = await client.call<Array<{ ID: string }>>('crm.company.list', { order: { ID: 'ASC' }, select: ['ID'] });
  return {
    writer: session.writer(slot),
    accounts: companies.result.map((row) => String(row.ID)),
    ownerId: '1',
    tiers: tiers.map((tier) => tier.id),
    dueDate: ready.anchorDate,
    async held() {
      const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as Bitrix24SandboxState;
      return {
        fields(accountId) {
          const values = state.companies.find((company) => String(company.id) === accountId)?.fields ?? {};
          const tier = values[fields.tierField];
          const score = values[fields.scoreField];
          return { tier: tier === undefined ? null : (tierOfItem.get(String(tier)) ?? `unknown item ${String(tier)}`), score: typeof score === 'number' ? score : null };
        },
        comments: (accountId) => state.comments.filter((comment) => comment.entityType.toLowerCase() === 'company' && String(comment.entityId) === accountId).map((comment) => comment.comment),
        todos: (accountId) =>
          state.activities
            .filter((activity) => activity.ownerTypeId === COMPANY_TYPE_ID && String(activity.ownerId) === accountId)
            .map((activity) => ({ id: String(activity.id), text: activity.description, completed: activity.completed })),
      };
    },
    async writeLegacy(kind, accountId, text) {
      // What the earlier writer sent: the same methods, the marker line inside COMMENT / description.
      if (kind === 'comment') {
        const added = await client.call<number>('crm.timeline.comment.add', { fields: { ENTITY_ID: accountId, ENTITY_TYPE: 'company', COMMENT: text } });
        return String(added.result);
      }
      const added = await client.call<{ id: number }>('crm.activity.todo.add', { ownerTypeId: COMPANY_TYPE_ID, ownerId: accountId, deadline: `${ready.anchorDate}T18:00:00`, title: 'Old', description: text });
      return String(added.result.id);
    },
    async close() {
      await storage.close();
      await sandbox.close();
    },
  };
});
