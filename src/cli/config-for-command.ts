import { loadConfig, type Config, type LoadConfigOptions } from '../config';
import { createLogger, type Logger } from '../logging/logger';

/** Loads the config once for a command; a bad config fails with the one message that lists every bad key. */
export function configForCommand(overrides: LoadConfigOptions['overrides'] = {}): { config: Config; logger: Logger } {
  const loaded = loadConfig({ overrides });
  if (!loaded.ok) throw loaded.error;
  const config = loaded.value;
  return { config, logger: createLogger(config.log) };
}

/** Resolves when the process is asked to stop (SIGINT / SIGTERM). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
