import type { Lang } from '../api-types';

/**
 * What the server put in the page shell (a meta tag, since the CSP allows no inline script):
 * which page, which CRM, the reader's language and the credentials the CRM gave this frame.
 */
export interface PageContext {
  page: 'card' | 'portfolio' | 'settings';
  crm: 'bitrix24' | 'amocrm';
  lang: Lang;
  /** Bitrix24: the frame's member_id and AUTH_ID; amoCRM: the widget's disposable token. */
  auth: { memberId: string; authId: string } | { token: string };
  entity: { type: 'company' | 'contact' | 'deal'; id: string } | null;
}

export function readContext(): PageContext {
  const raw = document.querySelector('meta[name="kam-context"]')?.getAttribute('content');
  if (!raw) throw new Error('The page was opened outside the CRM (no frame context).');
  return JSON.parse(raw) as PageContext;
}
