#!/usr/bin/env bash
# Proves that a production install serves: builds the app, copies only what a deploy ships
# (package.json, package-lock.json, bin/, dist/) into an empty folder, installs the production
# dependencies from the lock file (`npm ci --omit=dev`, from the npm cache when offline), then
# starts `node dist/cli.js serve --port 0` there and asks /health. It fails if serve loads any
# development-only package (tsx, faker, cli-progress, the sandboxes' helpers): they are absent.
#   bash .ci/production-serve.sh            (add --no-build to reuse an existing dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

[ "${1:-}" = "--no-build" ] || npm run build --silent
WORK=$(mktemp -d /tmp/kam-prod-XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cp package.json package-lock.json "$WORK/"
cp -r bin dist "$WORK/"
cd "$WORK"
echo "== npm ci --omit=dev in $WORK"
npm ci --omit=dev --no-audit --no-fund --loglevel=error --prefer-offline --ignore-scripts
# The one native addon: reuse the binary the development install built for this same Node
# (compiling better-sqlite3 again takes minutes on a small machine); build it when there is none.
ADDON=node_modules/better-sqlite3/build/Release/better_sqlite3.node
if [ -f "$ROOT/$ADDON" ]; then
  mkdir -p "$(dirname "$ADDON")" && cp "$ROOT/$ADDON" "$ADDON"
else
  npm rebuild better-sqlite3 --loglevel=error
fi
for dev in tsx @faker-js/faker cli-progress jest typescript; do
  if [ -e "node_modules/$dev" ]; then echo "production install holds the dev package $dev" >&2; exit 1; fi
done

echo "== node dist/cli.js serve --port 0"
mkdir -p data
KAM_DATA_DIR="$WORK/data" KAM_LOG_LEVEL=warn NODE_ENV=production node dist/cli.js serve --port 0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL=$(head -1 "$WORK/serve.out" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).health)}catch{}})')
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "serve exited:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
  sleep 0.2
done
[ -n "$URL" ] || { echo "serve printed no ready line in 20 s" >&2; cat "$WORK/serve.err" >&2; exit 1; }
HEALTH=$(node -e 'fetch(process.argv[1]).then(async (r) => { const body = await r.text(); process.stdout.write(body); process.exitCode = r.ok ? 0 : 1; })' "$URL")
echo "$HEALTH"
echo "$HEALTH" | grep -q '"status":"ok"' || { echo "health is not ok" >&2; exit 1; }
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { echo "serve did not stop cleanly on SIGTERM" >&2; cat "$WORK/serve.err" >&2; exit 1; }
SERVER_PID=""
# bin/kam.js finds no tsx here and runs the build.
echo "== node bin/kam.js --version: $(node bin/kam.js --version)"
# The demo and the sandboxes need the development dependencies (faker, cli-progress): here they
# must say so and exit 2, not crash with a raw MODULE_NOT_FOUND.
for args in "demo --no-serve --json" "sandbox bitrix24 --port 0" "sandbox amocrm --port 0"; do
  echo "== node dist/cli.js $args (expects exit 2 and the message)"
  set +e
  # shellcheck disable=SC2086
  KAM_DATA_DIR="$WORK/data" timeout 60 node dist/cli.js $args >"$WORK/dev.out" 2>"$WORK/dev.err"
  CODE=$?
  set -e
  cat "$WORK/dev.err"
  [ "$CODE" = "2" ] || { echo "kam $args exited $CODE, expected 2" >&2; cat "$WORK/dev.out" >&2; exit 1; }
  grep -q "needs the development dependencies" "$WORK/dev.err" && grep -q 'npm ci` (without --omit=dev)' "$WORK/dev.err" \
    || { echo "kam $args did not say it needs the development dependencies" >&2; exit 1; }
  if grep -q "MODULE_NOT_FOUND\|Require stack" "$WORK/dev.err"; then echo "kam $args printed a raw module error" >&2; exit 1; fi
done
echo "== production install serves (only production dependencies, no tsx)"
