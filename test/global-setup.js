// Says once, at the top of every run, whether the PostgreSQL contract suite runs: jest hides
// a skipped file's console output when many files run, and a silent skip looks like a pass.
const { existsSync } = require('node:fs');
const buildUi = require('./build-ui');

module.exports = async (globalConfig) => {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((path) => existsSync(path));
  // Only runs that may include the browser suites pay for the build (a whole run, or one naming e2e).
  const patterns = globalConfig?.testPathPatterns?.patterns ?? [];
  if (chromium && (patterns.length === 0 || patterns.some((p) => /e2e/i.test(p)))) buildUi();
  process.stdout.write(chromium ? '\nE2E card-tab suite: runs in Chromium\n' : '\nE2E card-tab suite: SKIPPED (apt-get install chromium)\n');
  const url = process.env.TEST_DATABASE_URL;
  process.stdout.write(
    url
      ? `\nPostgreSQL contract suite: runs against ${url.replace(/\/\/[^@]*@/, '//***@')}\n`
      : '\nPostgreSQL contract suite: SKIPPED (set TEST_DATABASE_URL, e.g. eval "$(bash .ci/postgres.sh)")\n',
  );
};
