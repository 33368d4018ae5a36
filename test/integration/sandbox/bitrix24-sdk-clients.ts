import type { InternalAxiosRequestConfig } from 'axios';
import type { RestrictionParams } from '@bitrix24/b24jssdk';
import { ApiVersion, B24Hook, B24OAuth, LoggerFactory } from '@bitrix24/b24jssdk';

/** Builds the official SDK's clients from a sandbox ready line, exactly as an app would from stored tokens. */
export interface ReadyLine {
  url: string;
  clientEndpoint: string;
  serverEndpoint: string;
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  expires: number;
  expiresIn: number;
  memberId: string;
  applicationToken: string;
  domain: string;
  scope: string;
  webhookUrl: string;
}

export function oauthClient(ready: ReadyLine, restrictionParams?: Partial<RestrictionParams>): B24OAuth {
  const b24 = new B24OAuth(
    {
      applicationToken: ready.applicationToken, userId: 1, memberId: ready.memberId, accessToken: ready.accessToken,
      refreshToken: ready.refreshToken, expires: ready.expires, expiresIn: ready.expiresIn, scope: ready.scope,
      domain: ready.domain, clientEndpoint: ready.clientEndpoint, serverEndpoint: ready.serverEndpoint, status: 'L' as never,
    },
    { clientId: ready.clientId, clientSecret: ready.clientSecret },
    restrictionParams ? { restrictionParams } : undefined,
  );
  b24.setLogger(LoggerFactory.createNullLogger());
  return b24;
}

/**
 * B24Hook always builds `https://{domain}/rest/{user}/{secret}` (AuthHookManager in 2.2.0) and
 * fromWebhookUrl refuses http://. The sandbox speaks plain http on loopback, so the test points
 * the hook at it through the SDK's public axios instance (`getHttpClient(v).ajaxClient`) with a
 * request interceptor that turns https:// into http://. Nothing else in the SDK is changed.
 */
export function hookClient(ready: ReadyLine): B24Hook {
  const url = new URL(ready.webhookUrl);
  const [, , userId, secret] = url.pathname.split('/');
  const hook = new B24Hook({ b24Url: `https://${url.host}`, userId: Number(userId), secret: secret ?? '' });
  hook.setLogger(LoggerFactory.createNullLogger());
  for (const version of [ApiVersion.v2, ApiVersion.v3]) {
    hook.getHttpClient(version).ajaxClient.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      if (config.url?.startsWith('https://')) config.url = `http://${config.url.slice('https://'.length)}`;
      return config;
    });
  }
  return hook;
}
