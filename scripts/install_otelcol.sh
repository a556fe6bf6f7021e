#!/usr/bin/env bash
# Builds the OpenTelemetry Collector that the OTLP export tests send to (scripts/otelcol: the
# OTLP receiver and the file exporter, Collector v0.161.0, from Go modules) and prints the
# binary's path. Built once into ~/.cache/profilemate/otelcol-<hash of its sources>/ (under 2 min
# on 2 cores from nothing, modules included); later calls only print the path.
# Needs Go 1.26 (go on PATH or /usr/local/go/bin/go) and the Go module proxy.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/otelcol" && pwd)"
go="$(command -v go || true)"
[ -n "$go" ] || go=/usr/local/go/bin/go
if [ ! -x "$go" ]; then
  echo "install_otelcol: no Go toolchain (go on PATH or /usr/local/go/bin/go); Go 1.26 builds the test Collector" >&2
  exit 1
fi
hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
out="${PROFILEMATE_CACHE:-$HOME/.cache/profilemate}/otelcol-$hash"
bin="$out/otelcol"
if [ ! -x "$bin" ]; then
  mkdir -p "$out"
  echo "install_otelcol: building the OpenTelemetry Collector (OTLP receiver + file exporter) into $out" >&2
  # -mod=mod: go.sum pins every module; the proxy is whatever `go env GOPROXY` says; no VCS stamp
  (cd "$src" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 "$go" build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
