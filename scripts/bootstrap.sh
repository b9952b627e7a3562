#!/usr/bin/env bash
# Prepares a fresh clone: the pinned pnpm, the locked dependencies, and a build of every
# package (examples and the CLI run from dist/). Needs only Node 20+ and npm; idempotent
# and quick when there is nothing to do. Prints where pnpm came from on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false
if [ "$(pnpm --version 2>/dev/null || true)" = "$want" ]; then
  PNPM=pnpm
else
  # A project-local pnpm: no root rights or global install needed.
  PNPM="$PWD/.tools/node_modules/.bin/pnpm"
  if [ "$("$PNPM" --version 2>/dev/null || true)" != "$want" ]; then
    echo "bootstrap: installing pnpm $want into .tools/" >&2
    npm install --silent --no-fund --no-audit --prefix .tools "pnpm@$want" >&2
  fi
fi
"$PNPM" install --frozen-lockfile --reporter=silent >&2
"$PNPM" exec tsc -b >&2
echo "$PNPM"
