#!/usr/bin/env bash
# `npm start` / `npm test` entry point for a fresh clone: bootstraps (pnpm, install, build)
# and then runs the main job or the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=$(bash scripts/bootstrap.sh)
case "${1:-}" in
  test)
    shift
    exec "$PNPM" exec vitest run "$@"
    ;;
  main)
    shift
    # The main job: train the char-RNN on the default public-domain text (Moby Dick, from npm)
    # for a few minutes with live progress, then sample from the best checkpoint.
    # --force: every `npm start` is a fresh demo run, so it replaces the previous run in $dir
    # (its checkpoints, log and report); without it a save dir that holds a run is refused.
    # Two `npm start`s at the same time still cannot mix: the second finds $dir locked (exit 4).
    dir=${FACKEL_DEMO_DIR:-runs/moby-dick}
    node packages/charrnn/dist/cli.js train --save-dir "$dir" --force --max-minutes "${FACKEL_DEMO_MINUTES:-3}" "$@"
    node packages/charrnn/dist/cli.js sample "$dir" --length 600 --prime "Call me " --temperature 0.8
    ;;
  *)
    echo "usage: scripts/run.sh main|test [args...]" >&2
    exit 2
    ;;
esac
