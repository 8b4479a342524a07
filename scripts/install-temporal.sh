#!/usr/bin/env bash
# Builds the Temporal CLI (which embeds the dev server and Web UI) from Go modules at a pinned,
# checksum-verified version into .tools/bin. Idempotent: a matching binary is kept; Go's module
# and build caches make a rebuild fast. Prints the binary's path.
set -euo pipefail
version=v1.5.1
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/temporal"

stamp="$bin.version"
# go install stamps the binary 0.0.0-DEV, so the pinned version is recorded beside it.
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  # No Go toolchain: a Temporal CLI already on PATH will do (its version is the user's choice).
  if command -v temporal >/dev/null 2>&1; then
    echo "countersign: no Go toolchain; using the temporal CLI on PATH ($(command -v temporal))" >&2
    command -v temporal
    exit 0
  fi
  echo "countersign: building the Temporal dev server needs Go >= 1.25 (https://go.dev/doc/install)," >&2
  echo "or a 'temporal' CLI on PATH, or COUNTERSIGN_TEMPORAL_BIN pointing to one." >&2
  exit 1
fi
mkdir -p "$root/.tools/bin"
echo "countersign: building temporal CLI $version (first time only, a few minutes)" >&2
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "$version" >"$stamp"
echo "$bin"
