#!/usr/bin/env bash
# Installs Debian's Prometheus server for the live-metrics tests (a real Prometheus scrapes the
# collector's /metrics while the demo runs; probe/tests/test_live_metrics.py). Idempotent: does
# nothing when a prometheus binary is on PATH or at /usr/bin/prometheus. Only the binary is used:
# the tests run it as their own child with a temporary config; Debian's service is not needed.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_prometheus: prometheus is missing; run as root (apt-get install prometheus)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: the server alone, not the node exporter and its friends
apt-get install -y -q --no-install-recommends prometheus
[ -x /usr/bin/prometheus ] || { echo "install_prometheus: apt-get ran but /usr/bin/prometheus is still missing" >&2; exit 1; }
