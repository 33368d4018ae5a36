#!/usr/bin/env node
'use strict';
// The `kam` command. Where the development dependencies are installed (`npm ci`), it runs the
// TypeScript sources through tsx, so a checkout never runs a stale build. Where they are not
// (`npm ci --omit=dev`, a production image: no tsx), it runs the compiled `dist/cli.js` that
// `npm run build` made. `node dist/cli.js ...` runs the build directly either way.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

const root = join(__dirname, '..');
let cli;
if (hasTsx() && existsSync(join(root, 'src', 'cli.ts'))) {
  require('tsx/cjs');
  cli = require(join(root, 'src', 'cli.ts'));
} else if (existsSync(join(root, 'dist', 'cli.js'))) {
  cli = require(join(root, 'dist', 'cli.js'));
} else {
  process.stderr.write('kam: no build to run: run `npm run build` (or `npm ci` to run the sources through tsx)\n');
  process.exit(1);
}
cli.main(process.argv).catch((error) => {
  process.stderr.write(`kam: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
