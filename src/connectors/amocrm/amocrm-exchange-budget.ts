import { perMinute, type RateBucketStore } from '../../core/ports/rate-bucket-store.port';

/**
 * What the amoCRM Redirect URI may cost amo's OAuth server. Every redirect with a `code` for an
 * allowed account host would otherwise be one exchange (POST /oauth2/access_token at that host),
 * from our one address: a flood of bogus codes becomes a flood of failed exchanges, and amo answers
 * floods by restricting the sender's IP ("requests from your IP address will be restricted",
 * https://developers.kommo.com/docs/limitations), which would stop every account we serve.
 * amo documents no limit of its own for the exchange; its API allows 7 requests a second per
 * integration (same page; https://www.amocrm.ru/developers/content/api/recommendations).
 *
 * - In all (`amocrm:exchange`): 60 at once after a quiet minute, then one a second, as Bitrix24's
 *   install path: a flood costs amo at most a seventh of the documented API rate, sustained. A
 *   genuine install is rare per account, so a marketplace's busiest hour stays far below it.
 * - Per source address (`amocrm:exchange-source:<ip>`), 10 a minute, for browser redirects only:
 *   our install button and amo's grant window send the admin's browser to the Redirect URI, one
 *   admin, one address. A widget install from the marketplace is not a browser redirect: amo's own
 *   servers call the Redirect URI with `from_widget` (https://developers.kommo.com/docs/authorization-public),
 *   from the same few addresses for every account, once, with the answer ignored and never resent.
 *   A per-source cap there would refuse genuine installs of many accounts in the same minute, each
 *   lost for good, so those share the overall budget only. A forger who adds `from_widget` skips
 *   the per-source cap and meets the overall one, which is the bound that protects our address.
 *
 * Token buckets in the database (rate_buckets, migration 0008), so the bound is one for every web
 * process (issue 12: "Nothing that must hold across processes lives in process memory").
 */
export const AMO_EXCHANGES = perMinute(60);
export const AMO_EXCHANGES_PER_SOURCE = perMinute(10);

export interface ExchangeAttempt {
  /** The caller's address as the HTTP edge saw it (behind the proxy: X-Forwarded-For). */
  source: string | undefined;
  /** amo's widget-install call (`from_widget` present), not a browser redirect. */
  fromWidget: boolean;
}

/** Whether this attempt may exchange its code now; a refusal spends nothing of the overall budget. */
export function createExchangeBudget(buckets: RateBucketStore, now: () => number = Date.now): (attempt: ExchangeAttempt) => Promise<boolean> {
  return async ({ source, fromWidget }) => {
    if (!fromWidget && !(await buckets.take(`amocrm:exchange-source:${source ?? 'unknown'}`, AMO_EXCHANGES_PER_SOURCE, now()))) return false;
    return buckets.take('amocrm:exchange', AMO_EXCHANGES, now());
  };
}
