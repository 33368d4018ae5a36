import { AMOCRM_LINKS } from '../../../src/connectors/amocrm/amocrm-links';
import { BITRIX24_LINKS } from '../../../src/connectors/bitrix24/bitrix24-links';

/** Where our card tab sends a CRM user: each CRM's own card addresses, on the installation's current origin. */
describe('CRM links', () => {
  const portal = { domain: 'acme.bitrix24.ru', clientEndpoint: 'https://acme-new.bitrix24.ru/rest/' };
  const amo = { domain: 'acme.amocrm.ru', clientEndpoint: null };

  it('Bitrix24: company, contact and deal cards on the portal the client endpoint names (it follows an address change)', () => {
    expect(BITRIX24_LINKS.card(portal, 'deal', '501')).toBe('https://acme-new.bitrix24.ru/crm/deal/details/501/');
    expect(BITRIX24_LINKS.card(portal, 'company', '12')).toBe('https://acme-new.bitrix24.ru/crm/company/details/12/');
    expect(BITRIX24_LINKS.card({ ...portal, clientEndpoint: null }, 'contact', '7')).toBe('https://acme.bitrix24.ru/crm/contact/details/7/');
  });

  it('Bitrix24: a to-do opens on its account\'s card, a contact account\'s on the contact', () => {
    expect(BITRIX24_LINKS.step(portal, { crmTaskId: '9', entityType: 'company', entityId: '12' })).toBe('https://acme-new.bitrix24.ru/crm/company/details/12/');
    expect(BITRIX24_LINKS.step(portal, { crmTaskId: '9', entityType: 'company', entityId: 'contact:7' })).toBe('https://acme-new.bitrix24.ru/crm/contact/details/7/');
  });

  it('amoCRM: leads, companies and contacts by their detail pages; a task opens its card; ids are escaped', () => {
    expect(AMOCRM_LINKS.card(amo, 'deal', '31')).toBe('https://acme.amocrm.ru/leads/detail/31');
    expect(AMOCRM_LINKS.card({ domain: 'acme.kommo.com', clientEndpoint: null }, 'company', '4')).toBe('https://acme.kommo.com/companies/detail/4');
    expect(AMOCRM_LINKS.step(amo, { crmTaskId: '5', entityType: 'company', entityId: 'contact:8' })).toBe('https://acme.amocrm.ru/contacts/detail/8');
    expect(AMOCRM_LINKS.card(amo, 'company', '../x?y')).toBe('https://acme.amocrm.ru/companies/detail/..%2Fx%3Fy');
  });
});
