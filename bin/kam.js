#!/usr/bin/env node
'use strict';
// The `kam` command. It runs the TypeScript sources through tsx, so `npm ci` is the only
// setup step; a production image may run `node dist/cli.js` after `npm run build` instead.
require('tsx/cjs');
require('../src/cli.ts')
  .main(process.argv)
  .catch((error) => {
    process.stderr.write(`kam: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
