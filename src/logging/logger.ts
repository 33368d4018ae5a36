import winston from 'winston';
import { redact } from './redact';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: 'error' | 'warn' | 'info' | 'debug';
  /** auto: readable lines on a terminal, JSON lines otherwise. */
  format: 'auto' | 'json' | 'pretty';
  /** Where lines go; defaults to stderr so stdout stays free for command output (JSON, ready lines). */
  stream?: NodeJS.WritableStream;
  isTty?: boolean;
}

/** Redaction runs on every record before any transport sees it. */
const redactFormat = winston.format((info) => {
  const clean = redact({ ...info }) as Record<string | symbol, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, clean);
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const tty = options.isTty ?? Boolean((stream as { isTTY?: boolean }).isTTY);
  const pretty = options.format === 'pretty' || (options.format === 'auto' && tty);
  const format = pretty
    ? winston.format.combine(
        redactFormat(),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.printf(({ timestamp, level, message, ...meta }) => {
          const context = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${context}`;
        }),
      )
    : winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  return winston.createLogger({
    level: options.level,
    format,
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that drops everything (tests, library use). */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
