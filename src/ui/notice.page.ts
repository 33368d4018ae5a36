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

/** A refused CRM frame (card tab, app page): its status and sentence. */
export function frameRefusal(lang: Lang, error: Pick<KamError, 'code'>): { status: number; text: string } {
  const { pages, t } = i18n(lang);
  if (error.code === 'RATE_LIMITED') return { status: 429, text: pages.frameRefused.rateLimited };
  if (error.code === 'INPUT_INVALID') return { status: 400, text: pages.frameRefused.malformed };
  return { status: 401, text: t('crm.pageDenied') };
}

/** A page with a heading and a sentence, no script: the refusal and confirmation pages. */
export function renderNoticePage(options: { lang: Lang; title: string; text: string; testId?: string }): string {
  return html`<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><title>KAM Pilot</title><link rel="icon" href="data:,"><style>${raw(PAGE_CSS)}</style></head>
<body><main><h1>${options.title}</h1><p data-testid="${options.testId ?? 'notice'}">${options.text}</p></main></body></html>`.html;
}
