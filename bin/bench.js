#!/usr/bin/env node
'use strict';
// `npm run bench -- <name> [options]`: runs bench/<name>.bench.ts (all of them without a name).
require('tsx/cjs');
require('../bench/run.ts')
  .main(process.argv.slice(2))
  .catch((error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
