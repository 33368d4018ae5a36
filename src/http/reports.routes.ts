import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { reportSettingsOf, type ReportTraits } from '../app/reports/report-settings';
import { LIVE_LINK_PATH, createLiveLinks, hashToken, type LiveLinks } from '../app/reports/live-links';
import { reportToCsv } from '../app/reports/exports/export-csv';
import { createPortfolioReports, type PortfolioReports } from '../app/reports/portfolio-reports';
import type { Lang } from '../core/i18n/messages';
import type { CrmKind, Installation } from '../core/ports/installation-store.port';
import type { Storage } from '../core/ports/storage.port';

export interface ReportsRoutesDeps {
  links: LiveLinks;
  reports: PortfolioReports;
  /** The language of the CSV headers for an installation (its settings, else the default). */
  langOf: (installation: Installation) => Lang;
  /** Requests per token per window (default 30 a minute: Sheets refreshes IMPORTDATA about hourly). */
  limit?: number;
  windowMs?: number;
}

const FILE = /^([A-Za-z0-9_-]{43})\.csv$/;
const notFound = { error: { code: 'NOT_FOUND', message: 'No such report link (it may have been revoked).' } };

/**
 * GET /reports/live/{token}.csv: the live CSV of an installation's accounts for Google Sheets
 * (IMPORTDATA). The token is the only credential, so: read-only, one answer (404) for unknown,
 * revoked and malformed tokens alike, a rate limit per token (by its hash, in this process's
 * memory: a limit per web process, not a global one), no caching, no referrer, not indexed.
 * The CSV has no byte-order mark: IMPORTDATA reads UTF-8 as it is.
 */
export function reportsRoutes(deps: ReportsRoutesDeps): Router {
  const router = Router();
  const limiter = rateLimit({
    windowMs: deps.windowMs ?? 60_000,
    limit: deps.limit ?? 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Keyed by the token's hash (never the token itself, never the caller's IP: Sheets fetches from shared Google addresses).
    keyGenerator: (req) => hashToken(String(req.params['file'] ?? '')),
    handler: (_req, res) => {
      res.status(429).json({ error: { code: 'RATE_LIMITED', message: 'Too many requests for this report link; try again in a minute.' } });
    },
  });
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
    links: createLiveLinks({ links: deps.storage.reportLinks, publicUrl: deps.publicUrl }),
    reports: createPortfolioReports({ storage: deps.storage, settingsOf }),
    langOf: (installation) => settingsOf(installation).lang,
  });
}
