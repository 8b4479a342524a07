#!/usr/bin/env bash
# Finds or installs the browser the tests drive the Temporal UI with: Chromium from the system's
# packages (Debian's `chromium`), driven through Playwright's library (playwright-core, an npm
# dependency), so no browser is downloaded from anywhere but the package mirror.
# COUNTERSIGN_CHROMIUM points at another Chromium or Chrome binary instead. Idempotent. Prints the
# browser's path on stdout; progress and errors go to stderr.
#
# Exit status: 0 found or installed; 1 the install failed (the message says why and where the log
# is); 2 it cannot install here (not root, no apt-get), with the command to run.
set -euo pipefail

say() { printf 'countersign: %s\n' "$*" >&2; }
project=$(cd "$(dirname "$0")/.." && pwd)

# Debian's /usr/bin/chromium is a shell wrapper; the binary behind it takes Playwright's flags as given.
found() {
  local candidate
  for candidate in /usr/lib/chromium/chromium "$(command -v chromium 2>/dev/null || true)" \
    "$(command -v chromium-browser 2>/dev/null || true)" "$(command -v google-chrome 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -n "${COUNTERSIGN_CHROMIUM:-}" ]; then
  if [ -x "$COUNTERSIGN_CHROMIUM" ]; then
    printf '%s\n' "$COUNTERSIGN_CHROMIUM"
    exit 0
  fi
  say "COUNTERSIGN_CHROMIUM points to $COUNTERSIGN_CHROMIUM, which is not an executable. Point it at a" \
    "Chromium or Chrome binary, or unset it to use (or install) the system's chromium package."
  exit 2
fi
if found; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "The browser tests need Chromium, and this machine has no apt-get to install it with. Install" \
    "Chromium with your system's package manager (or point COUNTERSIGN_CHROMIUM at a Chromium or" \
    "Chrome binary), then run the command again."
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  say "The browser tests need Chromium, and installing it needs root. Run:" \
    "sudo bash scripts/install-browser.sh   (Debian's chromium package), then run the command again."
  exit 2
fi

mkdir -p "$project/.data/logs"
log="$project/.data/logs/install-browser.log"
: >"$log"
say "installing chromium from Debian packages for the browser tests (a minute or two; log: .data/logs/install-browser.log)"
status=0
{
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
} >>"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  say "installing chromium failed: apt-get exited $status. Its last lines:"
  tail -n 8 "$log" | sed 's/^/    /' >&2
  say "Full log: .data/logs/install-browser.log. Fix what it names (no network to the package mirror," \
    "a locked dpkg), then run the command again."
  exit 1
fi
if ! found; then
  say "apt-get reported success, but no chromium binary can be found. Check .data/logs/install-browser.log."
  exit 1
fi
