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
version=v1.8.0
# Go 1.21 and later fetch the toolchain a module asks for (1.25 here) through the module proxy.
min_go_minor=21
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/versitygw"
stamp="$bin.version"

say() { printf 'countersign: %s\n' "$*" >&2; }

# A go install build reports version "git" (no ldflags), so the pinned one is recorded beside it.
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

go_problem=""
if ! command -v go >/dev/null 2>&1; then
  go_problem="no Go toolchain is on PATH"
else
  go_version=$(go env GOVERSION 2>/dev/null || true)
  minor=$(printf '%s' "$go_version" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
  if [ -z "$minor" ] || [ "$minor" -lt "$min_go_minor" ]; then
    go_problem="the Go on PATH is ${go_version:-of unknown version}, older than go1.$min_go_minor"
  fi
fi
if [ -n "$go_problem" ]; then
  # A versitygw the user installed will do (its version is their choice).
  if command -v versitygw >/dev/null 2>&1; then
    say "$go_problem; using the versitygw on PATH ($(command -v versitygw)) instead of building $version"
    command -v versitygw
    exit 0
  fi
  say "the S3 server for evidence (versitygw) is built from source on first use, but $go_problem." \
    "Install Go 1.$min_go_minor or later (https://go.dev/doc/install; Ubuntu 24.04: apt-get install golang-go)," \
    "or put a versitygw binary on PATH, or set COUNTERSIGN_S3_BIN to one; then run the command again."
  exit 2
fi

mkdir -p "$root/.tools/bin" "$root/.data/logs"
log="$root/.data/logs/install-s3.log"
say "building the S3 server versitygw $version (evidence bucket with Object Lock) from Go modules:" \
  "first time only, about a minute on 2 cores; later runs reuse it. Log: .data/logs/install-s3.log"

# Turns go's -v output into one progress line every few seconds instead of hundreds of lines.
progress() {
  local line downloaded=0 compiled=0 last=$SECONDS tty=0
  [ -t 2 ] && tty=1
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case $line in
      "go: downloading "*) downloaded=$((downloaded + 1)) ;;
      go:* | *" "*) ;;
      *) compiled=$((compiled + 1)) ;;
    esac
    if [ $((SECONDS - last)) -ge $((tty == 1 ? 1 : 15)) ]; then
      last=$SECONDS
      if [ "$tty" -eq 1 ]; then
        printf '\r  %d modules downloaded, %d packages compiled, %ds ' "$downloaded" "$compiled" "$SECONDS" >&2
      else
        printf '  %d modules downloaded, %d packages compiled, %ds\n' "$downloaded" "$compiled" "$SECONDS" >&2
      fi
    fi
  done
  [ "$tty" -eq 1 ] && printf '\n' >&2
  if [ $((downloaded + compiled)) -eq 0 ]; then
    printf '  done in %ds (all from the Go module and build caches)\n' "$SECONDS" >&2
  else
    printf '  done: %d modules downloaded, %d packages compiled in %ds\n' "$downloaded" "$compiled" "$SECONDS" >&2
  fi
}

: >"$log"
SECONDS=0
status=0
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install -v "github.com/versity/versitygw/cmd/versitygw@$version" 2>&1 |
  progress || status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ] || [ ! -x "$bin" ]; then
  say "building versitygw failed (go install exited $status). Its last lines:"
  tail -n 8 "$log" | sed 's/^/    /' >&2
  say "Full log: .data/logs/install-s3.log. A network error means the Go module proxy could not" \
    "be reached (GOPROXY); a 'go.mod requires go' error means GOTOOLCHAIN=local is set with a Go older" \
    "than 1.25. Fix it and run the command again; what was already downloaded is kept."
  exit 1
fi
echo "$version" >"$stamp"
echo "$bin"
