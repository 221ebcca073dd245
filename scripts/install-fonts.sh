#!/bin/sh
# Installs the TrueType Chinese font the PDF documents embed (certificates, reports): Debian's fonts-wqy-zenhei.
# reportlab embeds TrueType outlines only, so the CFF-based Noto CJK that chromium uses is no substitute.
# Idempotent: does nothing when the font is there.
set -eu

FONT=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

if [ -f "$FONT" ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-fonts: $FONT is missing; install the 'fonts-wqy-zenhei' package by hand." >&2
    exit 1
fi
echo "install-fonts: installing Debian's fonts-wqy-zenhei for PDF documents..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends fonts-wqy-zenhei >/dev/null
test -f "$FONT"
