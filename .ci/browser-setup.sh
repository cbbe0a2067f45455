#!/bin/sh
# Install Debian's chromium for the browser tests (tests/browser/) when it is missing.
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (or sudo) and apt-get.
# Without chromium the browser tests skip themselves, so the rest of the suite still runs.
set -eu

CHROMIUM="${ISECG_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    echo "browser-setup: $CHROMIUM present ($("$CHROMIUM" --version 2>/dev/null || echo unknown version))"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "browser-setup: $CHROMIUM missing and apt-get unavailable; browser tests will skip" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "browser-setup: not root and no sudo; browser tests will skip" >&2
        exit 0
    fi
fi

echo "browser-setup: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation
"$CHROMIUM" --version
