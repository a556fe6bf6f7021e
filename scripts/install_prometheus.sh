#!/usr/bin/env bash
# Installs Debian's Prometheus server for the live-metrics tests (a real Prometheus scrapes the
# collector's /metrics while the demo runs; probe/tests/test_live_metrics.py). Idempotent: does
# nothing when a prometheus binary is on PATH or at /usr/bin/prometheus. Only the binary is used:
# the tests run it as their own child with a temporary config; Debian's service is not needed.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
# --no-install-recommends: the server alone, not the node exporter and its friends
exec bash "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh" /usr/bin/prometheus prometheus --no-install-recommends
