#!/bin/sh
# Install Debian's Chromium and a CJK font for the browser tests, and poppler's pdftoppm to render generated PDFs,
# when missing.
# Idempotent and quiet; does nothing unless run as root on a machine with apt-get.
command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 \
  && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && exit 0
[ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 || exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq chromium fonts-wqy-microhei poppler-utils >/dev/null
