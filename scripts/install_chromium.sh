#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser). Idempotent: does nothing when /usr/bin/chromium is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_chromium: /usr/bin/chromium is missing; run as root (apt-get install chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q chromium
[ -x /usr/bin/chromium ] || { echo "install_chromium: apt-get ran but /usr/bin/chromium is still missing" >&2; exit 1; }
