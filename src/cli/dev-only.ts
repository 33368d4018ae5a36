import { KamError } from '../core/errors';

/**
 * The demo and the sandboxes run on development dependencies (faker generates their portfolios,
 * cli-progress draws the demo's bar), which a production install (`npm ci --omit=dev`) leaves
 * out on purpose: `kam serve` never needs them. Such a command loads them through `loadDevOnly`,
 * so a production install answers with what to do instead of a raw MODULE_NOT_FOUND.
 */
export class DevDependenciesMissing extends KamError {
  /** Not a failure of the run but of the install: the shell sees 2, as for a usage error. */
  readonly exitCode = 2;

  constructor(command: string, missing: string, cause: unknown) {
    super(
      'CONFIG_INVALID',
      `kam ${command} needs the development dependencies, which this install lacks (${missing} is not installed). ` +
        'The demo and the sandboxes run from a development install: `npm ci` (without --omit=dev). ' +
        'A production install (`npm ci --omit=dev`) runs `kam serve`, `kam migrate` and the other operating commands.',
      { details: { missing }, cause },
    );
    this.name = 'DevDependenciesMissing';
  }
}

/** The package a MODULE_NOT_FOUND names, or null for any other error and for a missing file of our own. */
function missingPackage(error: unknown): string | null {
  if ((error as { code?: unknown } | null)?.code !== 'MODULE_NOT_FOUND') return null;
  const request = /Cannot find module '([^']+)'/.exec((error as Error).message)?.[1];
  if (!request || request.startsWith('.') || request.startsWith('/')) return null;
  return request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : (request.split('/')[0] ?? request);
}

export function loadDevOnly<T>(command: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === null) throw error;
    throw new DevDependenciesMissing(command, missing, error);
  }
}
