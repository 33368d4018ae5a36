import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../../src/app/demo/run-demo';
import { bitrix24DemoDriver } from '../../../src/sandbox/demo/bitrix24.demo-driver';
import { CONTACT_ACCOUNT_PREFIX } from '../../../src/core/model/synced';
import { createSilentLogger } from '../../../src/logging/logger';
import { carriesMarker } from '../../../src/core/ports/crm-writer.port';

/** With `contactsAsAccounts`, contacts without a company are evaluated and written back as accounts. */
jest.setTimeout(90_000);

it('evaluates contacts without a company as accounts and writes their tier on the contact', async () => {
  const demo = await runDemo({ driver: bitrix24DemoDriver,
    companies: 60, contacts: 240, deals: 900, seed: 23, passes: 1, changes: 0,
    dataDir: join(mkdtempSync(join(tmpdir(), 'kam-contacts-')), 'data'), logger: createSilentLogger(),
    settings: { contactsAsAccounts: true },
  });
  try {
    const { storage } = demo.runtime;
    const run = await storage.evaluations.latestRun(demo.installationId);
    const accounts = run ? await storage.evaluations.runAccounts(demo.installationId, run.id) : [];
    const contactAccounts = accounts.filter((account) => account.accountId.startsWith(CONTACT_ACCOUNT_PREFIX));
    let loose = 0;
    for await (const page of storage.entities.iterate(demo.installationId, 'contact')) loose += page.filter((contact) => !contact.companyId).length;
    expect(loose).toBeGreaterThan(0);
    expect(contactAccounts).toHaveLength(loose);
    expect(accounts.length - contactAccounts.length).toBe(60);
    const state = demo.sandboxHandle.state();
    // The fields exist on contacts too, and to-dos for contact accounts sit on the contact (owner type 3).
    expect(state.userFields.filter((field) => field.fieldName === 'UF_CRM_KAM_TIER').map((field) => field.entityId).sort()).toEqual(['CRM_COMPANY', 'CRM_CONTACT']);
    const settings = (await storage.installations.get(demo.installationId))?.settings.bitrix24 as { contact?: { tierItemIds: Record<string, string> } };
    expect(Object.keys(settings.contact?.tierItemIds ?? {}).sort()).toEqual(['develop', 'key', 'standard']);
    const written = await storage.writeState.getMany(demo.installationId, contactAccounts.map((account) => `field:company:${account.accountId}`));
    expect(written.size).toBe(contactAccounts.length);
    const keys = (await storage.taskLedger.list(demo.installationId)).map((entry) => entry.dedupKey);
    for (const activity of state.activities.filter((item) => item.ownerTypeId === 3)) {
      expect(keys.filter((key) => key.includes(`:contact:${activity.ownerId}:`) && carriesMarker(activity.description, key))).toHaveLength(1);
      expect(activity.description).not.toContain('[kam:');
    }
  } finally {
    await demo.close();
  }
});
