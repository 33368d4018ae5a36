import { createHmac, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import type { Lang } from '../core/i18n/format-values';
import type { Storage } from '../core/ports/storage.port';
import type { Bitrix24Service } from '../app/bitrix24/bitrix24-service';
import { USERS_STATE_KEY } from '../app/build-snapshot';
import { CONTACT_ACCOUNT_PREFIX } from '../core/model/synced';
import { parseBitrix24Event } from '../connectors/bitrix24/bitrix24-event';
import { renderAccountTab } from '../ui/account-tab.page';
import { renderInstallerPage } from '../ui/installer.page';

/**
 * Bitrix24's inbound edge. Every request is verified before business code runs:
 * events by member_id + application_token (constant time), frames by asking the portal at
 * our stored endpoint whether the frame's token is good. Events get their 2xx first and are
 * processed after (Bitrix24 never retries and slows down slow handlers).
 */
// The official frame SDK's browser bundle (its package exports do not list it, so resolve beside the CJS entry).
const SDK_BUNDLE = join(dirname(require.resolve('@bitrix24/b24jssdk')), '..', 'umd', 'index.min.js');
const form = express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 2000 });
const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '');
const langOf = (req: Request, fallback: Lang): Lang => {
  const lang = text(req.query.LANG ?? req.body?.LANG).toLowerCase();
  return lang === 'ru' || lang === 'en' ? lang : lang ? 'en' : fallback;
};

export interface Bitrix24RoutesDeps {
  service: Bitrix24Service;
  storage: Storage;
  defaultLang: Lang;
  /** Sync progress for the installer page, by installation id. */
  progress: (installationId: string) => { progress: number; done: boolean; text: string };
}

export function bitrix24Routes(deps: Bitrix24RoutesDeps): Router {
  const router = Router();
  const statusSecret = randomBytes(32);
  const sign = (id: string) => createHmac('sha256', statusSecret).update(id).digest('hex').slice(0, 32);

  const framePolicy = (res: Response, domain: string, secure: boolean, nonce: string) => {
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${secure ? 'https' : 'http'}://${domain}`,
    );
    res.setHeader('Cache-Control', 'no-store');
  };

  router.post('/bitrix24/install', form, async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const domain = text(req.query.DOMAIN ?? body.DOMAIN);
      const secure = text(req.query.PROTOCOL ?? body.PROTOCOL) !== '0';
      const lang = langOf(req, deps.defaultLang);
      const nonce = randomBytes(12).toString('base64');
      const memberId = text(body.member_id);
      const accessToken = text(body.AUTH_ID);
      const refreshToken = text(body.REFRESH_ID);
      if (!domain || !memberId || !accessToken || !refreshToken) {
        res.status(400).type('html').send(renderInstallerPage({ lang, ok: false, nonce, message: 'DOMAIN, member_id, AUTH_ID and REFRESH_ID are required' }));
        return;
      }
      const result = await deps.service.installAndSetUp({
        domain, secure, memberId, accessToken, refreshToken,
        expiresIn: Number(text(body.AUTH_EXPIRES)) || 3600,
        applicationToken: text(body.APPLICATION_TOKEN) || null,
        lang,
      });
      if (!result.ok) {
        // No frame-ancestors from an unchecked DOMAIN: the error page carries nothing worth framing-protecting.
        res.setHeader('Content-Security-Policy', `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'unsafe-inline'`);
        res.status(result.error.status).type('html').send(renderInstallerPage({ lang, ok: false, nonce, message: result.error.message }));
        return;
      }
      framePolicy(res, result.value.domain, result.value.clientEndpoint?.startsWith('https') ?? true, nonce);
      const id = result.value.id;
      res.type('html').send(renderInstallerPage({ lang, ok: true, nonce, statusUrl: `/bitrix24/install/status?i=${id}&s=${sign(id)}` }));
    } catch (error) {
      next(error);
    }
  });

  router.get('/bitrix24/install/status', (req, res) => {
    const id = text(req.query.i);
    if (!id || text(req.query.s) !== sign(id)) {
      res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'bad status link' } });
      return;
    }
    res.json(deps.progress(id));
  });

  router.post('/bitrix24/events', form, async (req, res, next) => {
    try {
      const parsed = parseBitrix24Event(req.body);
      if (!parsed.ok) {
        res.status(400).json({ error: { code: parsed.error.code, message: parsed.error.message } });
        return;
      }
      const verified = await deps.service.verifyEvent(parsed.value);
      if (!verified.ok) {
        req.log.warn('Bitrix24 event refused', { event: parsed.value.event, memberId: parsed.value.auth.member_id, reason: verified.error.message });
        res.status(401).json({ error: { code: verified.error.code, message: verified.error.message } });
        return;
      }
      res.status(200).json({ ok: true });
      setImmediate(() => {
        deps.service.handleEvent(parsed.value, verified.value).catch((error: unknown) => {
          req.log.error('Bitrix24 event processing failed', { event: parsed.value.event, error });
        });
      });
    } catch (error) {
      next(error);
    }
  });

  router.post('/bitrix24/placement', form, async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const lang = langOf(req, deps.defaultLang);
      const verified = await deps.service.verifyFrameUser(text(body.member_id), text(body.AUTH_ID));
      if (!verified.ok) {
        const busy = verified.error.code === 'RATE_LIMITED';
        res
          .status(busy ? 429 : 401)
          .type('text')
          .send(
            busy
              ? lang === 'ru' ? 'Слишком много запросов, попробуйте через минуту.' : 'Too many requests; try again in a minute.'
              : lang === 'ru' ? 'Доступ запрещён: портал не подтвердил пользователя.' : 'Access denied: the portal did not confirm the user.',
          );
        return;
      }
      const installation = verified.value;
      let options: Record<string, unknown> = {};
      try {
        options = JSON.parse(text(body.PLACEMENT_OPTIONS) || '{}') as Record<string, unknown>;
      } catch {
        options = {};
      }
      const placement = text(body.PLACEMENT);
      const entityId = text(options.ID);
      const settings = deps.service.settingsOf(installation);
      // The account behind the card: the company, or (when contacts are accounts) the deal's contact.
      let companyId: string | null = null;
      let contactId: string | null = null;
      if (placement === 'CRM_COMPANY_DETAIL_TAB') companyId = entityId || null;
      else if (entityId) {
        const deal = (await deps.storage.entities.get(installation.id, 'deal', entityId))?.data;
        companyId = deal?.companyId ?? null;
        if (!companyId && settings.contactsAsAccounts) contactId = deal?.contactId ?? null;
      }
      const accountId = companyId ?? (contactId ? `${CONTACT_ACCOUNT_PREFIX}${contactId}` : null);
      const [company, snapshot, history, steps, run] = accountId
        ? await Promise.all([
            companyId ? deps.storage.entities.get(installation.id, 'company', companyId) : deps.storage.entities.get(installation.id, 'contact', contactId as string),
            deps.storage.evaluations.latestAccount(installation.id, accountId),
            deps.storage.evaluations.accountHistory(installation.id, accountId),
            deps.storage.taskLedger.list(installation.id, { states: ['open'], accountId }),
            deps.storage.evaluations.latestRun(installation.id),
          ])
        : [null, null, [], [], await deps.storage.evaluations.latestRun(installation.id)];
      const users = (await deps.storage.writeState.getMany(installation.id, [USERS_STATE_KEY])).get(USERS_STATE_KEY) as Array<{ id: string; name: string }> | undefined;
      const ownerId = company?.data.ownerId ?? null;
      const nonce = randomBytes(12).toString('base64');
      framePolicy(res, installation.domain, installation.clientEndpoint?.startsWith('https') ?? true, nonce);
      res.type('html').send(
        renderAccountTab(
          {
            lang,
            companyName: company?.data.name ?? null,
            ownerName: (ownerId && users?.find((user) => user.id === ownerId)?.name) ?? null,
            baseCurrency: String((run?.portfolio as { baseCurrency?: string } | undefined)?.baseCurrency ?? 'RUB'),
            tierLabels: Object.fromEntries(settings.criteria.tiers.map((tier) => [tier.id, { ru: tier.label?.ru ?? tier.id, en: tier.label?.en ?? tier.id }])),
            snapshot,
            history,
            openSteps: steps,
            syncing: !run,
            blocked: installation.status === 'blocked' ? installation.statusReason ?? 'blocked' : null,
          },
          { nonce },
        ),
      );
    } catch (error) {
      next(error);
    }
  });

  router.get('/static/b24jssdk.min.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(SDK_BUNDLE);
  });

  return router;
}
