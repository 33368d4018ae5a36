// The browser suites open the built pages (dist/pages). A fresh clone has none, and an edit under
// src/ui or in the message catalogue they import (src/core/i18n) makes them stale: build them once here, before any suite starts (about 20-60 s).
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

module.exports = function buildUi() {
  const shell = join(root, 'dist', 'pages', 'index.html');
  const sources = Math.max(newest(join(root, 'src', 'ui')), newest(join(root, 'src', 'core', 'i18n')), statSync(join(root, 'vite.config.mts')).mtimeMs);
  if (existsSync(shell) && statSync(shell).mtimeMs >= sources) return;
  process.stdout.write('\nBuilding the pages (npm run build:ui) for the browser suites...\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
};
