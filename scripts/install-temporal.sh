#!/usr/bin/env bash
# Builds the Temporal CLI (which embeds the dev server and Web UI) from Go modules at a pinned,
# checksum-verified version into .tools/bin. Idempotent: a matching binary is kept; Go's module
# and build caches make a rebuild fast. Prints the binary's path on stdout; progress and errors go
# to stderr.
#
# Exit status: 0 built or already present; 1 the build failed (the message says why and where the
# log is); 2 it cannot build here (no Go, or a Go too old), with what to install.
set -euo pipefail
tool=temporal
module=github.com/temporalio/cli/cmd/temporal
version=v1.5.1
found="the temporal CLI"
what="the Temporal CLI"
detail="(dev server + Web UI)"
duration="a few minutes"
purpose="the Temporal dev server"
override=COUNTERSIGN_TEMPORAL_BIN
log_name=install-temporal.log
# This version asks for Go 1.25, which Go 1.21+ fetch through the module proxy.
go_note="a 'go.mod requires go' error means GOTOOLCHAIN=local is set with a Go older than 1.25."
# shellcheck source=lib/go-install-tool.sh
. "$(dirname "$0")/lib/go-install-tool.sh"
build_go_tool
