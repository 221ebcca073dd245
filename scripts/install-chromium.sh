#!/bin/sh
# Installs Debian's chromium for the browser tests (pytest -m browser) if it is not there yet.
# Idempotent: does nothing when /usr/bin/chromium exists. Never downloads Playwright's own browsers.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "install-chromium: $CHROMIUM already present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')); nothing to do."
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-chromium: $CHROMIUM is missing and we are neither root nor have sudo; install the 'chromium' package by hand." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: $CHROMIUM is missing and apt-get is not available; install chromium by hand." >&2
    exit 1
fi

echo "install-chromium: $CHROMIUM is missing; installing Debian's chromium with apt-get${SUDO:+ (via sudo)}..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# fonts-noto-cjk: Chinese text in pages and screenshots renders as text, not empty boxes
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null

if [ -x "$CHROMIUM" ]; then
    echo "install-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)."
else
    echo "install-chromium: apt-get finished but $CHROMIUM is still missing." >&2
    exit 1
fi
