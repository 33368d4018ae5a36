import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { KamError } from '../core/errors';
import { i18n, type Lang } from '../core/i18n/messages';
import { renderFrameRetryPage, retryDelayMs } from '../ui/frame-retry.page';
import { frameRefusal, renderNoticePage } from '../ui/notice.page';

/**
 * What a page (card tab, portfolio, settings) answers when it cannot be shown: always a page in
 * the reader's language from the one catalogue, never an error's own message (English, internal).
 * A frame not checked in time (a busy check lane) gets the page that posts itself again, keeping
 * the form body and the query; every other refusal a notice saying what happened and what to do.
 * Both are framed by any CRM origin (we do not know whose frame it was), run no script but the
 * retry page's nonce one, and post nowhere but back to us.
 */
// img-src data: is the pages' empty icon (`<link rel="icon" href="data:,">`, so no /favicon.ico request).
const NOTICE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors *";

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/** A heading and a sentence (and a smaller note) under the frame-refused title. */
export function sendPageNotice(res: Response, lang: Lang, status: number, text: string, note?: string): void {
  noStore(res);
  res.setHeader('Content-Security-Policy', NOTICE_POLICY);
  res.status(status).type('html').send(renderNoticePage({ lang, title: i18n(lang).pages.frameRefused.title, text, note, testId: 'refused' }));
}

/** The self-retrying page: the same address and query, the frame's own fields posted again after the delay asked. */
export function sendFrameRetry(req: Request, res: Response, lang: Lang, retryAfterMs: number): void {
  const nonce = randomBytes(12).toString('base64');
  const query = new URLSearchParams(Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string')).toString();
  const action = `${req.baseUrl}${req.path}${query ? `?${query}` : ''}`;
  const body = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
  noStore(res);
  res.setHeader('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors *`);
  res.setHeader('Retry-After', String(Math.ceil(retryDelayMs(retryAfterMs) / 1000)));
  res.status(429).type('html').send(renderFrameRetryPage({ lang, action, body, retryAfterMs, nonce }));
}

/** A caller the CRM did not confirm, or could not be asked about. */
export function sendPageRefusal(req: Request, res: Response, lang: Lang, error: Pick<KamError, 'code' | 'details'>): void {
  if (error.details.reason === 'frameBusy') {
    sendFrameRetry(req, res, lang, Number(error.details.retryAfterMs));
    return;
  }
  const { status, text } = frameRefusal(lang, error);
  sendPageNotice(res, lang, status, text);
}
