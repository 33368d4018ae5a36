import { CONTACT_ACCOUNT_PREFIX, type EntityKind } from '../../core/model/synced';
import type { CrmLinks } from '../../core/ports/crm-connector.port';
import type { Installation } from '../../core/ports/installation-store.port';

/**
 * The origin a CRM user's browser reaches the installation's portal or account on: the origin of
 * its client endpoint when the CRM named one (Bitrix24 `client_endpoint`, which follows a portal's
 * address change; the sandboxes' loopback address), else https on its domain.
 */
export function crmOrigin(installation: Pick<Installation, 'domain' | 'clientEndpoint'>): string {
  if (installation.clientEndpoint) {
    try {
      return new URL(installation.clientEndpoint).origin;
    } catch {
      // A stored endpoint that is no URL falls back to the domain below.
    }
  }
  return `https://${installation.domain}`;
}

/**
 * Links for a CRM whose cards live at `cardPath(kind, id)` on its origin, and whose next steps
 * (to-dos, tasks) have no page of their own but show on the account's card. A step's entity is
 * the account: a company id, or `contact:<id>` for a contact account.
 */
export function cardLinks(cardPath: (kind: EntityKind, id: string) => string): CrmLinks {
  const card: CrmLinks['card'] = (installation, kind, id) => `${crmOrigin(installation)}${cardPath(kind, encodeURIComponent(id))}`;
  return {
    card,
    step(installation, step) {
      const contact = step.entityId.startsWith(CONTACT_ACCOUNT_PREFIX);
      const id = contact ? step.entityId.slice(CONTACT_ACCOUNT_PREFIX.length) : step.entityId;
      return card(installation, contact || step.entityType === 'contact' ? 'contact' : 'company', id);
    },
  };
}
