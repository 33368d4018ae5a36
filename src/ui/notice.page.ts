import type { KamError } from '../core/errors';
import { i18n, type Lang, type PageMessages } from '../core/i18n/messages';
import { html, raw } from './html';
import { PAGE_CSS } from './styles';

/**
 * What a person sees when the server refuses a CRM frame or an install: a sentence from the
 * catalogue chosen by the error's code (and a connector's `details.reason`), in the reader's
 * language, never the error's own message (English, internal, sometimes naming hosts or fields).
 */
export type InstallRefusal = keyof PageMessages['installRefused'];

export function installRefusal(error: Pick<KamError, 'code' | 'details'>): InstallRefusal {
  if (error.details.reason === 'notAdmin') return 'notAdmin';
  switch (error.code) {
    case 'FORBIDDEN':
      return 'forbidden';
    case 'UNAUTHORIZED':
    case 'TOKEN_EXPIRED':
    case 'TOKEN_REFRESH_FAILED':
      return 'unauthorized';
    case 'INPUT_INVALID':
      return 'malformed';
    case 'RATE_LIMITED':
      return 'rateLimited';
    default:
      return 'failed';
  }
}

/**
 * A refused CRM frame or page (card tab, portfolio, settings): its status and sentence. A CRM or
 * server failure is a 503 that says so (the user did nothing wrong); anything else the CRM did not
 * confirm is a 401 that says what to do: open the app from the CRM again.
 */
export function frameRefusal(lang: Lang, error: Pick<KamError, 'code'>): { status: number; text: string } {
  const { frameRefused } = i18n(lang).pages;
  switch (error.code) {
    case 'RATE_LIMITED':
      return { status: 429, text: frameRefused.rateLimited };
    case 'INPUT_INVALID':
      return { status: 400, text: frameRefused.malformed };
    case 'CRM_UNAVAILABLE':
    case 'CRM_REJECTED':
    case 'NETWORK':
      return { status: 503, text: frameRefused.crmUnreachable };
    case 'STORAGE':
    case 'INTERNAL':
    case 'CONFIG_INVALID':
    case 'ENCRYPTION_KEY_MISMATCH':
      return { status: 503, text: frameRefused.serverFailed };
    default:
      return { status: 401, text: frameRefused.denied };
  }
}

/** A page with a heading, a sentence and an optional smaller note, no script: the refusal and confirmation pages. */
export function renderNoticePage(options: { lang: Lang; title: string; text: string; note?: string; testId?: string }): string {
  const note = options.note ? html`<p class="muted" data-testid="note">${options.note}</p>` : '';
  return html`<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><title>KAM Pilot</title><link rel="icon" href="data:,"><style>${raw(PAGE_CSS)}</style></head>
<body><main><h1>${options.title}</h1><p data-testid="${options.testId ?? 'notice'}">${options.text}</p>${note}</main></body></html>`.html;
}
