import type { EntityKind } from '../../core/model/synced';
import type { CrmLinks } from '../../core/ports/crm-connector.port';
import { cardLinks } from '../shared/crm-links';

/**
 * amoCRM / Kommo card addresses on the account's own domain, as its interface opens them:
 * `/leads/detail/<id>`, `/companies/detail/<id>`, `/contacts/detail/<id>` (a deal is a lead). Our
 * next steps are tasks attached to the company or contact (entity_type, entity_id:
 * https://www.amocrm.ru/developers/content/crm_platform/tasks-api); amo gives a task no address of
 * its own, it shows in its card's feed, so a step opens that card.
 */
const SEGMENTS: Record<EntityKind, string> = { company: 'companies', contact: 'contacts', deal: 'leads' };

export const AMOCRM_LINKS: CrmLinks = cardLinks((kind, id) => `/${SEGMENTS[kind]}/detail/${id}`);
