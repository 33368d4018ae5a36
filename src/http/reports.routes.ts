import { Router, type RequestHandler } from 'express';
import { reportSettingsOf, type ReportTraits } from '../app/reports/report-settings';
import { LIVE_LINK_PATH, createLiveLinks, hashToken, type LiveLinks } from '../app/reports/live-links';
import { reportToCsv } from '../app/reports/exports/export-csv';
import { createPortfolioReports, type PortfolioReports } from '../app/reports/portfolio-reports';
import type { Lang } from '../core/i18n/messages';
import type { CrmKind, Installation } from '../core/ports/installation-store.port';
import { perMinute, type RateBucketStore } from '../core/ports/rate-bucket-store.port';
import type { Storage } from '../core/ports/storage.port';

export interface ReportsRoutesDeps {
  links: LiveLinks;
  reports: PortfolioReports;
  /** The language of the CSV headers for an installation (its settings, else the default). */
  langOf: (installation: Installation) => Lang;
  /** Where the per-token budget is spent: shared by every web process. */
  buckets: RateBucketStore;
  /** Requests per token per minute (default 30, all at once if need be: Sheets refreshes IMPORTDATA about hourly). */
  limit?: number;
  now?: () => number;
}

const FILE = /^([A-Za-z0-9_-]{43})\.csv$/;
const notFound = { error: { code: 'NOT_FOUND', message: 'No such report link (it may have been revoked).' } };

/**
 * GET /reports/live/{token}.csv: the live CSV of an installation's accounts for Google Sheets
 * (IMPORTDATA). The token is the only credential, so: read-only, one answer (404) for unknown,
 * revoked and malformed tokens alike, a rate limit per token (by its hash, in a bucket every web
 * process shares: one limit, however many processes), no caching, no referrer, not indexed.
 * The CSV has no byte-order mark: IMPORTDATA reads UTF-8 as it is.
 */
export function reportsRoutes(deps: ReportsRoutesDeps): Router {
  const router = Router();
  const budget = perMinute(deps.limit ?? 30);
  const now = deps.now ?? Date.now;
  // Keyed by the token's hash (never the token itself, never the caller's IP: Sheets fetches from shared Google addresses).
  const limiter: RequestHandler = (req, res, next) => {
    const key = `report-link:${hashToken(String(req.params['file'] ?? ''))}`;
    deps.buckets.take(key, budget, now()).then((admitted) => {
      if (admitted) return next();
      res.setHeader('Retry-After', String(Math.ceil(budget.intervalMs / 1000)));
      res.status(429).json({ error: { code: 'RATE_LIMITED', message: 'Too many requests for this report link; try again in a minute.' } });
    }, next);
  };
  router.get(`${LIVE_LINK_PATH}/:file`, limiter, async (req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Robots-Tag', 'noindex, nofollow');
      const match = FILE.exec(String(req.params['file']));
      const link = match ? await deps.links.resolve(match[1] as string) : null;
      if (!link) {
        res.status(404).json(notFound);
        return;
      }
      const installation = await deps.reports.resolveInstallation(link.installationId);
      const report = await deps.reports.report({ installationId: link.installationId, granularity: link.granularity });
      const body = await reportToCsv(report, deps.langOf(installation), { bom: false });
      res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', 'inline; filename="kam-report.csv"');
      res.send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** The routes wired from the store and the config, so the composition root mounts them in one line. */
export function liveReportRoutes(deps: { storage: Storage; publicUrl: string; defaultLang: Lang; traitsOf: (kind: CrmKind) => ReportTraits | null | undefined }): Router {
  const settingsOf = reportSettingsOf(deps);
  return reportsRoutes({
    buckets: deps.storage.rateBuckets,
    links: createLiveLinks({ links: deps.storage.reportLinks, publicUrl: deps.publicUrl }),
    reports: createPortfolioReports({ storage: deps.storage, settingsOf }),
    langOf: (installation) => settingsOf(installation).lang,
  });
}
