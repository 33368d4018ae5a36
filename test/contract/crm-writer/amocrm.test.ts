import { createAmoCrmConnector } from '../../../src/connectors/amocrm/amocrm-connector';
import { createSilentLogger } from '../../../src/logging/logger';
import { startAmoCrmSandbox } from '../../../src/sandbox/amocrm';
import { createStorage } from '../../../src/storage';
import { startReceiver } from '../../integration/sandbox/amocrm-helpers';
import { describeCrmWriterContract } from './crm-writer.contract';

/** The CrmWriter battery against the amoCRM sandbox account, through the real connector, install and setup. */
jest.setTimeout(60_000);

interface AmoState {
  fieldValues: { companies: Record<string, Record<string, unknown>> };
  notes: Array<{ entity_type: string; entity_id: number; text: string | null }>;
  tasks: Record<'open' | 'completed', Array<{ id: number; entity_type: string | null; entity_id: number | null; text: string }>>;
}

describeCrmWriterContract('amoCRM', async () => {
  const receiver = await startReceiver();
  const redirectUri = `${receiver.url}/amocrm/oauth`;
  const sandbox = await startAmoCrmSandbox({ port: 0, companies: 6, contacts: 6, deals: 20, seed: 3, rateLimit: false, redirectUri });
  const storage = await createStorage({ sqliteFile: ':memory:', encryptionKey: Buffer.alloc(32, 6) });
  const ready = sandbox.readyLine as { clientId: string; clientSecret: string; anchorDate: string };
  const crm = createAmoCrmConnector({
    settings: { clientId: ready.clientId, clientSecret: ready.clientSecret, redirectUri, ratePerSecond: 1000, windowMs: 1000, accountHosts: /^127\.0\.0\.1:\d+$/ },
    storage,
    logger: createSilentLogger(),
  });
  // Installed as amo installs it: the redirect with a fresh code and the account host.
  const { code } = (await (await fetch(`${sandbox.url}/_sandbox/install`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { code: string };
  const verified = await crm.inbound.verifyInstall({ query: { code, referer: new URL(sandbox.url).host }, body: {}, headers: {} });
  if (!verified.ok) throw verified.error;
  const installation = await storage.installations.upsert({ ...verified.value.input, status: 'active' });
  const session = crm.session(installation);
  const tiers = [
    { id: 'key', ru: 'Ключевой', en: 'Key account' },
    { id: 'develop', ru: 'Развивать', en: 'Develop' },
    { id: 'standard', ru: 'Стандарт', en: 'Standard' },
  ];
  const { slot } = await session.setUp({ publicUrl: receiver.url, lang: 'en', tiers, contactFields: false, slot: null });
  const tierOfLabel = new Map(tiers.map((tier) => [tier.en, tier.id]));
  const state = async () => (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as AmoState;
  const ofCompany = (accountId: string) => (item: { entity_type: string | null; entity_id: number | null }) => item.entity_type === 'companies' && String(item.entity_id) === accountId;
  return {
    writer: session.writer(slot),
    accounts: ['1', '2', '3', '4'],
    ownerId: '2',
    tiers: tiers.map((tier) => tier.id),
    dueDate: ready.anchorDate,
    async held() {
      const held = await state();
      return {
        fields(accountId) {
          const values = held.fieldValues.companies[accountId] ?? {};
          const tier = values.KAM_TIER;
          const score = values.KAM_SCORE;
          return {
            tier: tier === undefined || tier === null ? null : (tierOfLabel.get(String(tier)) ?? `unknown value ${String(tier)}`),
            score: score === undefined || score === null ? null : Number(score),
          };
        },
        comments: (accountId) => held.notes.filter(ofCompany(accountId)).map((note) => note.text ?? ''),
        todos: (accountId) => [
          ...held.tasks.open.filter(ofCompany(accountId)).map((task) => ({ id: String(task.id), text: task.text, completed: false })),
          ...held.tasks.completed.filter(ofCompany(accountId)).map((task) => ({ id: String(task.id), text: task.text, completed: true })),
        ],
      };
    },
    async writeLegacy(kind, accountId, text) {
      // What the earlier writer sent: a `common` note, or a task, with the marker line in its text.
      const token = (await storage.installations.get(installation.id))?.tokens?.accessToken ?? '';
      const [path, body] = kind === 'comment'
        ? ['/api/v4/companies/notes', [{ entity_id: Number(accountId), note_type: 'common', params: { text } }]]
        : ['/api/v4/tasks', [{ entity_id: Number(accountId), entity_type: 'companies', text, task_type_id: 1, complete_till: Math.floor(Date.parse(`${ready.anchorDate}T12:00:00Z`) / 1000) }]];
      const answer = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const embedded = ((await answer.json()) as { _embedded: Record<string, Array<{ id: number }>> })._embedded;
      return String((embedded.notes ?? embedded.tasks)?.[0]?.id);
    },
    async close() {
      await storage.close();
      await sandbox.close();
      await receiver.close();
    },
  };
});
