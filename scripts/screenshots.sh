#!/bin/sh
# Refresh the README's screenshots (docs/screenshots/*.png) by running the browser
# journeys against a live server with the demo data. `make screenshots` calls this.
set -eu
cd "$(dirname "$0")/.."
sh .ci/browser-setup.sh
export ISECG_SCREENSHOTS_DIR="${ISECG_SCREENSHOTS_DIR:-$PWD/docs/screenshots}"
.venv/bin/pytest tests/browser -q "$@"
echo "Screenshots written to $ISECG_SCREENSHOTS_DIR"
ls -1 "$ISECG_SCREENSHOTS_DIR"
