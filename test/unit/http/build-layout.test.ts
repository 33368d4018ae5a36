import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { DEFAULT_UI_DIR } from '../../../src/http/pages.routes';

// `npm run build` runs tsc (src -> dist) and then Vite with emptyOutDir: were Vite's folder one
// tsc writes into, the second step would delete compiled server modules (it once deleted
// dist/ui/account-tab.page.js, and `node dist/cli.js serve` failed to start).
const root = resolve(__dirname, '..', '..', '..');
const tsBuild = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
const viteConfig = readFileSync(join(root, 'vite.config.mts'), 'utf8');

function viteOutDir(): string {
  const rootMatch = /root:\s*'([^']+)'/.exec(viteConfig);
  const outMatch = /outDir:\s*'([^']+)'/.exec(viteConfig);
  if (!rootMatch?.[1] || !outMatch?.[1]) throw new Error('vite.config.mts names no root or build.outDir');
  return resolve(root, rootMatch[1], outMatch[1]);
}

describe('build layout', () => {
  it('serves the pages from the folder Vite builds them into', () => {
    expect(viteOutDir()).toBe(DEFAULT_UI_DIR);
  });

  it('builds the pages into a folder tsc does not compile the sources into', () => {
    const tscOut = resolve(root, tsBuild.compilerOptions.outDir);
    const tscSrc = resolve(root, tsBuild.compilerOptions.rootDir);
    const inside = relative(tscOut, viteOutDir());
    expect(inside.startsWith('..') || inside === '').toBe(false);
    // dist/<x> mirrors src/<x>: the Vite folder must not be the output of a source folder.
    const mirrored = join(tscSrc, inside.split(sep)[0] ?? '');
    expect(existsSync(mirrored) && statSync(mirrored).isDirectory()).toBe(false);
  });
});
