import { i18n, type Lang } from '../core/i18n/messages';
import { html, raw } from './html';
import { PAGE_CSS } from './styles';

/**
 * The answer to a CRM frame we could not check in time (issue 9, security 3: a flood at the
 * portal): a short page in the reader's language that posts the same frame again by itself after
 * `retryAfterMs`, and a button to do it at once. Not an error page: the frame is probably a
 * genuine user's, and the next try usually finds the check done (its verdict is shared).
 * Only the fields a frame needs are posted again (never REFRESH_ID), every value escaped.
 */
const FRAME_FIELDS = ['member_id', 'AUTH_ID', 'AUTH_EXPIRES', 'PLACEMENT', 'PLACEMENT_OPTIONS', 'LANG', 'DOMAIN', 'PROTOCOL', 'APP_SID', 'status'];
/** The page waits at least this long and at most this long before posting again. */
const RETRY_BOUNDS_MS = [1_000, 15_000] as const;

export const retryDelayMs = (asked: number): number => Math.min(RETRY_BOUNDS_MS[1], Math.max(RETRY_BOUNDS_MS[0], Math.round(asked) || 0));

export function renderFrameRetryPage(options: { lang: Lang; action: string; body: Record<string, unknown>; retryAfterMs: number; nonce: string }): string {
  const { frameBusy } = i18n(options.lang).pages;
  const fields = FRAME_FIELDS.filter((name) => typeof options.body[name] === 'string').map(
    (name) => html`<input type="hidden" name="${name}" value="${options.body[name]}">`,
  );
  const delay = retryDelayMs(options.retryAfterMs);
  return html`<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><title>KAM Pilot</title><link rel="icon" href="data:,"><style>${raw(PAGE_CSS)}</style></head>
<body><main><h1>${frameBusy.title}</h1><p data-testid="frame-busy">${frameBusy.text}</p>
<form id="again" method="post" action="${options.action}">${fields}<button type="submit">${frameBusy.now}</button></form></main>
<script nonce="${options.nonce}">setTimeout(function () { document.getElementById('again').submit(); }, ${raw(String(delay))});</script>
</body></html>`.html;
}
