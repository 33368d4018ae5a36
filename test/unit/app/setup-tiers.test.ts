import { setupTiers } from '../../../src/app/cycle/set-up-installation';
import type { InstallationSettings } from '../../../src/app/installation-settings';

/** The tier field's list items in the CRM: every tier by a name in each language, never by its code where a name is known. */
describe('setupTiers', () => {
  it('names an unlabelled default tier by the default name, and a half-labelled one by its other label', () => {
    const settings = { criteria: { tiers: [{ id: 'key', minScore: 70 }, { id: 'develop', minScore: 40, label: { ru: 'Растём' } }, { id: 'vip', minScore: 20, label: { en: 'VIP' } }, { id: 'standard', minScore: 0 }] } };
    expect(setupTiers(settings as unknown as InstallationSettings)).toEqual([
      { id: 'key', ru: 'Ключевой клиент', en: 'Key account' },
      { id: 'develop', ru: 'Растём', en: 'Develop' },
      { id: 'vip', ru: 'VIP', en: 'VIP' },
      { id: 'standard', ru: 'Стандартный', en: 'Standard' },
    ]);
  });
});
