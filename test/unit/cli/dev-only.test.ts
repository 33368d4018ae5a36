import { DevDependenciesMissing, loadDevOnly } from '../../../src/cli/dev-only';
import { isKamError } from '../../../src/core/errors';
import type * as Cli from '../../../src/cli';

/** A plain CommonJS require, as the commands use to load their development-only modules. */
const load = (request: string): unknown => jest.requireActual(request);

/**
 * `kam demo` and `kam sandbox` in a production install (`npm ci --omit=dev`): a missing
 * development package becomes one clear message and exit code 2 (the end-to-end check against a
 * real production install is .ci/production-serve.sh); anything else keeps its own error.
 */
describe('loadDevOnly', () => {
  it('returns what the loader returns when the packages are there', () => {
    expect(loadDevOnly('demo', () => 'driver')).toBe('driver');
  });

  it('turns a missing package into DevDependenciesMissing naming it, the command and the fix', () => {
    let thrown: unknown;
    try {
      loadDevOnly('demo', () => load('@kam-test/absent-package/sub/path'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DevDependenciesMissing);
    expect(isKamError(thrown)).toBe(true);
    const error = thrown as DevDependenciesMissing;
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual({ missing: '@kam-test/absent-package' });
    expect(error.message).toContain('kam demo needs the development dependencies');
    expect(error.message).toContain('`npm ci` (without --omit=dev)');
    expect(error.message).not.toContain('Require stack');
  });

  it('names an unscoped package by its name', () => {
    expect(() => loadDevOnly('sandbox', () => load('kam-absent-package/lib'))).toThrow(/kam sandbox needs the development dependencies, which this install lacks \(kam-absent-package is not installed\)/);
  });

  it('keeps a missing file of our own (a broken build) and any other error as they are', () => {
    expect(() => loadDevOnly('demo', () => load('./no-such-module-of-ours'))).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
    expect(() => loadDevOnly('demo', () => load('./no-such-module-of-ours'))).not.toThrow(DevDependenciesMissing);
    const boom = new Error('driver failed to start');
    expect(() =>
      loadDevOnly('demo', () => {
        throw boom;
      }),
    ).toThrow(boom);
  });
});

describe('kam sandbox without the development dependencies', () => {
  afterEach(() => {
    jest.dontMock('../../../src/sandbox/bitrix24');
    process.exitCode = undefined;
  });

  it('prints the message and exits 2, not a raw MODULE_NOT_FOUND', async () => {
    // What a production install does: the sandbox module fails to load faker.
    jest.doMock('../../../src/sandbox/bitrix24', () => {
      throw Object.assign(new Error("Cannot find module '@faker-js/faker'\nRequire stack:\n- dist/sandbox/portfolio/generate.js"), { code: 'MODULE_NOT_FOUND' });
    });
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      let main: (argv: string[]) => Promise<void> = async () => undefined;
      jest.isolateModules(() => {
        ({ main } = jest.requireActual<typeof Cli>('../../../src/cli'));
      });
      await main(['node', 'kam', 'sandbox', 'bitrix24', '--port', '0']);
    } finally {
      stderr.mockRestore();
    }
    expect(process.exitCode).toBe(2);
    expect(written.join('')).toMatch(/^kam: kam sandbox needs the development dependencies, which this install lacks \(@faker-js\/faker is not installed\)\. .*`npm ci` \(without --omit=dev\)/);
    expect(written.join('')).not.toContain('Require stack');
  });
});
