import type { Response } from 'express';
import { sendProblem } from './problem';

/**
 * How the sandbox answers where amo's answers are not problem+json, and the switches a test
 * or the demo can turn (GET/POST /_sandbox/limits):
 * - 429 carries an HTML page or no body at all, never JSON (issues amocrm/amocrm-api-php#318,
 *   #434; the official client maps 429 only when the body is not JSON, #526);
 * - repeated breaches of the rate limit block the account: every API request then gets 403
 *   until support lifts it (#318, #563; https://www.amocrm.ru/developers/content/api/recommendations),
 *   here until POST /_sandbox/limits {"blocked": false};
 * - a write batch over a size answers 504 (reference §2: "on 504, shrink the batch"); nothing
 *   is written then;
 * - a single record with nothing to show is reported as 204 with no body (issue #344) or 404.
 */
export type RateLimitBody = 'html' | 'empty';
export type EmptyRecordStatus = 204 | 404;

export interface ApiBehaviourSettings {
  rateLimitBody: RateLimitBody;
  /** 429s within `breachWindowMs` that block the account; null = never block. */
  blockAfterBreaches: number | null;
  breachWindowMs: number;
  /** Write batches larger than this answer 504; null = only amo's hard limit of 250 applies. */
  writeTimeoutBatchSize: number | null;
  emptyRecord: EmptyRecordStatus;
}

export interface ApiBehaviour {
  settings: ApiBehaviourSettings;
  isBlocked(): boolean;
  setBlocked(blocked: boolean): void;
  /** Breaches counted in the current window. */
  breaches(): number;
  /** True when a write batch of this size times out (answer with sendGatewayTimeout). */
  writeTimesOut(size: number): boolean;
  /** A 429; `breach` false for injected faults, which say nothing about the client's pace. */
  sendRateLimited(res: Response, breach?: boolean): void;
  sendBlocked(res: Response): void;
  sendGatewayTimeout(res: Response): void;
  sendMissingRecord(res: Response): void;
}

export const DEFAULT_API_BEHAVIOUR: ApiBehaviourSettings = {
  rateLimitBody: 'html', blockAfterBreaches: 100, breachWindowMs: 60_000, writeTimeoutBatchSize: null, emptyRecord: 404,
};

const page = (code: number, title: string): string =>
  `<html>\r\n<head><title>${code} ${title}</title></head>\r\n<body>\r\n<center><h1>${code} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export function createApiBehaviour(deps: { now: () => number; settings: ApiBehaviourSettings }): ApiBehaviour {
  const settings = { ...deps.settings };
  let blocked = false;
  let breachTimes: number[] = [];
  const prune = (): void => {
    const cutoff = deps.now() - settings.breachWindowMs;
    breachTimes = breachTimes.filter((time) => time > cutoff);
  };
  return {
    settings,
    isBlocked: () => blocked,
    setBlocked(value) {
      blocked = value;
      if (!value) breachTimes = [];
    },
    breaches() {
      prune();
      return breachTimes.length;
    },
    writeTimesOut: (size) => settings.writeTimeoutBatchSize !== null && size > settings.writeTimeoutBatchSize,
    sendRateLimited(res, breach = true) {
      if (breach) {
        breachTimes.push(deps.now());
        prune();
        if (settings.blockAfterBreaches !== null && breachTimes.length >= settings.blockAfterBreaches) blocked = true;
      }
      if (settings.rateLimitBody === 'empty') {
        res.status(429).end();
        return;
      }
      res.status(429).type('text/html').send(page(429, 'Too Many Requests'));
    },
    sendBlocked(res) {
      res.status(403).type('text/html').send(page(403, 'Forbidden'));
    },
    sendGatewayTimeout(res) {
      res.status(504).type('text/html').send(page(504, 'Gateway Time-out'));
    },
    sendMissingRecord(res) {
      if (settings.emptyRecord === 204) {
        res.status(204).end();
        return;
      }
      sendProblem(res, 404, 'Not Found');
    },
  };
}
