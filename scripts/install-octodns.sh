#!/usr/bin/env bash
# Installs the benchmark's peer tool octoDNS with its PowerDNS provider, and matplotlib for the
# benchmark's plot, at pinned versions from PyPI into a virtualenv at .tools/octodns (made with
# `python3 -m venv`). Only `npm run bench` needs it; countersign itself does not.
# Idempotent: exits at once when the virtualenv holds the pinned versions (a stamp file inside it
# records them). Prints the virtualenv's bin directory on stdout as its last line; progress and
# errors go to stderr.
#
# Exit status: 0 installed or already present; 1 the install failed (the message says why and
# where the log is); 2 it cannot install here (no Python 3, no venv module and no root or
# apt-get to add it), with what to install.
set -euo pipefail

# Pinned: the latest patch releases of octoDNS 1.22 and octodns-powerdns 1.2 on PyPI.
pins=(octodns==1.22.0 octodns-powerdns==1.2.0 matplotlib==3.10.9)

project=$(cd "$(dirname "$0")/.." && pwd)
venv="$project/.tools/octodns"
stamp="$venv/countersign-pins"
python=${COUNTERSIGN_PYTHON:-python3}

# Fast path: the stamp matches and the virtualenv's Python still runs (a Python upgraded or
# removed underneath it leaves dangling links).
if [ "$(cat "$stamp" 2>/dev/null)" = "${pins[*]}" ] && [ -x "$venv/bin/octodns-sync" ] &&
  "$venv/bin/python" -c '' >/dev/null 2>&1; then
  echo "$venv/bin"
  exit 0
fi

say() { printf 'countersign: %s\n' "$*" >&2; }

mkdir -p "$project/.data/logs"
log="$project/.data/logs/install-octodns.log"
: >"$log"

can_apt() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; }

# Debian's python3 leaves out venv's ensurepip (package python3-venv) and sometimes Python itself.
apt_install() {
  local status=0
  say "installing $* from Debian packages (under a minute; log: .data/logs/install-octodns.log)"
  { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >>"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    say "installing $* failed: apt-get exited $status. Its last lines:"
    tail -n 8 "$log" | sed 's/^/    /' >&2
    say "Full log: .data/logs/install-octodns.log. Fix what it names (no network to the package" \
      "mirror, a locked dpkg), or install $* by hand, then run the command again."
    exit 1
  fi
}

if ! command -v "$python" >/dev/null 2>&1; then
  if [ -n "${COUNTERSIGN_PYTHON:-}" ]; then
    say "COUNTERSIGN_PYTHON is '$python', which cannot be found or run. Point it at a Python 3.10" \
      "or later that has its venv module, or unset it to use python3 from PATH, then run the" \
      "command again."
    exit 2
  fi
  if ! can_apt; then
    say "The benchmark's peer tool octoDNS runs on Python 3, and there is no '$python' on PATH." \
      "Install Python 3.10 or later with its venv module (Debian/Ubuntu: sudo apt-get install" \
      "python3 python3-venv), or set COUNTERSIGN_PYTHON to a Python 3 interpreter, then run the" \
      "command again."
    exit 2
  fi
  apt_install python3 python3-venv
fi

make_venv() {
  rm -rf "$venv"
  mkdir -p "$project/.tools"
  "$python" -m venv "$venv" >>"$log" 2>&1
}

say "installing ${pins[*]} into .tools/octodns from PyPI (first time only, about a minute;" \
  "log: .data/logs/install-octodns.log)"
SECONDS=0
if ! make_venv; then
  retry=0
  if can_apt && [ -z "${COUNTERSIGN_PYTHON:-}" ]; then
    say "'$python -m venv' failed (Debian ships venv's pip bootstrap separately); adding python3-venv"
    apt_install python3-venv
    retry=1
  fi
  if [ "$retry" -eq 0 ] || ! make_venv; then
    say "Creating a virtualenv with '$python -m venv .tools/octodns' failed. Its last lines:"
    tail -n 8 "$log" | sed 's/^/    /' >&2
    say "On Debian and Ubuntu the venv module needs the package python3-venv (sudo apt-get install" \
      "python3-venv; for a Python other than the system's, its own venv package, e.g." \
      "python3.11-venv); elsewhere, reinstall Python with its ensurepip module, or set" \
      "COUNTERSIGN_PYTHON to a Python 3 that has it. Full log: .data/logs/install-octodns.log." \
      "Then run the command again."
    rm -rf "$venv"
    exit 2
  fi
fi

status=0
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off \
  "${pins[@]}" >>"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  say "installing ${pins[*]} into .tools/octodns failed: pip exited $status. Its last lines:"
  tail -n 8 "$log" | sed 's/^/    /' >&2
  say "Full log: .data/logs/install-octodns.log. A connection error, or 'from versions: none'," \
    "means PyPI could not be reached (check the network, a proxy, PIP_INDEX_URL); a list of versions" \
    "without the pinned one means this Python ($("$python" --version 2>&1)) is too old for it" \
    "(octoDNS 1.22 and matplotlib 3.10 need Python 3.10 or later: set COUNTERSIGN_PYTHON to one)." \
    "Fix it, then run the command again; the virtualenv is made afresh."
  exit 1
fi

# What pip reports installed, checked against the pins, and every package's version for the log.
status=0
"$venv/bin/python" - "${pins[@]}" >>"$log" 2>&1 <<'EOF' || status=$?
import sys
from importlib.metadata import version
wrong = [p for p in sys.argv[1:] if version(p.split("==")[0]) != p.split("==")[1]]
import octodns_powerdns, matplotlib  # noqa: F401,E401  (they import)
if wrong:
    sys.exit("installed versions differ from the pins: " + ", ".join(wrong))
EOF
"$venv/bin/python" -m pip freeze --disable-pip-version-check >>"$log" 2>&1 || true
if [ "$status" -ne 0 ] || [ ! -x "$venv/bin/octodns-sync" ]; then
  say "pip reported success, but the virtualenv at .tools/octodns does not hold working" \
    "${pins[*]} (see the end of .data/logs/install-octodns.log). Delete .tools/octodns and run the" \
    "command again; if it fails the same way, install the pins there by hand with" \
    ".tools/octodns/bin/pip install ${pins[*]}."
  exit 1
fi
echo "${pins[*]}" >"$stamp"
say "installed ${pins[*]} in ${SECONDS}s"
echo "$venv/bin"
