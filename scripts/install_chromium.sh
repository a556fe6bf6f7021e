#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser). Idempotent: does nothing when /usr/bin/chromium is there.
exec bash "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh" /usr/bin/chromium chromium
