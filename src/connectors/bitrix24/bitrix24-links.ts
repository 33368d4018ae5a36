import type { CrmLinks } from '../../core/ports/crm-connector.port';
import { cardLinks } from '../shared/crm-links';

/**
 * Bitrix24 card addresses, as the portal opens them in its slider: `/crm/deal/details/<id>/`,
 * `/crm/company/details/<id>/`, `/crm/contact/details/<id>/` (a deal tab's PLACEMENT_OPTIONS carry
 * the same URI: https://apidocs.bitrix24.com/api-reference/widgets/crm/detail-tab.html). Our next
 * steps are to-dos in the account's timeline (crm.activity.todo.add with ownerTypeId/ownerId,
 * https://apidocs.bitrix24.com/api-reference/crm/timeline/activities/todo/crm-activity-todo-add.html);
 * the docs give a to-do no address of its own, so it opens on its owner's card.
 */
export const BITRIX24_LINKS: CrmLinks = cardLinks((kind, id) => `/crm/${kind}/details/${id}/`);
