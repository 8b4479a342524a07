#!/usr/bin/env bash
# Builds the Versity S3 Gateway (versitygw: an S3 server over a POSIX folder that implements
# versioning and Object Lock) from Go modules at a pinned, checksum-verified version into
# .tools/bin, for the embedded stack's evidence bucket. Idempotent: a matching binary is kept; Go's
# module and build caches make a rebuild fast. Prints the binary's path on stdout; progress and
# errors go to stderr.
#
# Exit status: 0 built or already present; 1 the build failed (the message says why and where the
# log is); 2 it cannot build here (no Go, or a Go too old), with what to install.
set -euo pipefail
tool=versitygw
module=github.com/versity/versitygw/cmd/versitygw
version=v1.8.0
found="the versitygw"
what="the S3 server versitygw"
detail="(evidence bucket with Object Lock)"
duration="about a minute"
purpose="the S3 server for evidence (versitygw)"
override=COUNTERSIGN_S3_BIN
log_name=install-s3.log
go_note="a 'go.mod requires go' error means GOTOOLCHAIN=local is set with a Go older than the module needs."
# shellcheck source=lib/go-install-tool.sh
. "$(dirname "$0")/lib/go-install-tool.sh"
build_go_tool
