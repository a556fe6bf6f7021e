#!/usr/bin/env bash
# apt_install.sh BINARY PACKAGE [APT-ARGS...]: installs a Debian package that a test runs as a real
# program (Chromium, Prometheus). Idempotent: does nothing when BINARY is executable. Needs root.
set -euo pipefail
binary=$1; package=$2; shift 2
if [ -x "$binary" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "$(basename "$0"): $binary is missing; run as root (apt-get install $package)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "$@" "$package"
[ -x "$binary" ] || { echo "$(basename "$0"): apt-get ran but $binary is still missing" >&2; exit 1; }
