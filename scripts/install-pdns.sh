#!/usr/bin/env bash
# Installs the system packages countersign needs, from Debian packages:
#   pdns-server, pdns-backend-sqlite3  PowerDNS Authoritative, SQLite backend (demo and tests)
#   sqlite3, dnsutils (dig)            to create PowerDNS's databases and to query it
#   libxml2-utils (xmllint)            the tests check every EPP message against the IANA XSDs
#   libnet-epp-perl (Net::EPP)         an independent EPP client driving the EPP registry double
#   openssl                            the EPP registry test double makes its TLS certificates
#   prometheus                         the tests scrape the worker's metrics with a real Prometheus
# Idempotent: exits at once when everything is present. Keeps the packaged PowerDNS daemon from
# starting (it would take port 53): the project runs its own instances on loopback ports.
#
# Exit status: 0 installed or already present; 1 the install failed (the message says why and
# where the log is); 2 it cannot install here (not root, no apt-get), with the command to run.
#
# COUNTERSIGN_INSTALL_ROOT prefixes the system paths this script reads or writes (policy-rc.d,
# the SQLite schema, systemd's run directory), so the install-path tests can run it against a
# simulated fresh system. Unset on real machines.
set -euo pipefail

sysroot=${COUNTERSIGN_INSTALL_ROOT:-}
project=$(cd "$(dirname "$0")/.." && pwd)
schema="$sysroot/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
policy="$sysroot/usr/sbin/policy-rc.d"

need=()
command -v pdns_server >/dev/null 2>&1 || need+=(pdns-server)
[ -f "$schema" ] || need+=(pdns-backend-sqlite3)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
perl -MNet::EPP::Simple -e1 >/dev/null 2>&1 || need+=(libnet-epp-perl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0

say() { printf 'countersign: %s\n' "$*" >&2; }

if ! command -v apt-get >/dev/null 2>&1; then
  say "Packages countersign needs are missing (Debian/Ubuntu names: ${need[*]}), and this machine" \
    "has no apt-get to install them with. Install them with your system's package manager (in all," \
    "countersign needs PowerDNS Authoritative 4.7 or later with its SQLite backend, sqlite3, dig," \
    "xmllint, Perl's Net::EPP and openssl, and Prometheus for the tests), keep the packaged PowerDNS" \
    "service stopped (countersign starts its own instances on loopback ports), then run the command" \
    "again."
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  say "Packages countersign needs are missing (${need[*]}), and installing them needs root." \
    "Run: sudo bash scripts/install-pdns.sh   (it installs from Debian packages and keeps the" \
    "packaged PowerDNS daemon from starting), then run the command again."
  exit 2
fi

mkdir -p "$project/.data/logs"
log="$project/.data/logs/install-pdns.log"
: >"$log"

# A policy-rc.d that exits 101 tells Debian maintainer scripts not to start services. Container
# images usually ship one already; a machine whose own allows starts keeps it, set aside for the
# install and put back byte for byte afterwards (also on Ctrl-C).
saved="$policy.countersign-saved"
# A run killed outright (SIGKILL) could not put the machine's own file back: do it now.
if [ -e "$saved" ]; then
  mv -f "$saved" "$policy"
fi
set_aside=0
created=0
denies_start() {
  [ -x "$policy" ] || return 1
  local rc=0
  "$policy" pdns start >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 101 ]
}
# The EXIT trap keeps the script's own status: a trap's last test must never become it.
restore_policy() {
  local rc=$?
  if [ "$created" -eq 1 ]; then
    rm -f "$policy" || true
  fi
  if [ "$set_aside" -eq 1 ] && ! mv -f "$saved" "$policy"; then
    say "could not put this machine's $policy back; it is at $saved: move it back by hand"
    rc=1
  fi
  exit "$rc"
}
trap restore_policy EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! denies_start; then
  if [ -e "$policy" ]; then
    mv -f "$policy" "$saved"
    set_aside=1
  fi
  mkdir -p "$(dirname "$policy")"
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created=1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing ${need[*]} from Debian packages (under a minute; log: .data/logs/install-pdns.log)"
status=0
{ apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"; } >>"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  say "installing ${need[*]} failed: apt-get exited $status. Its last lines:"
  tail -n 8 "$log" | sed 's/^/    /' >&2
  say "Full log: .data/logs/install-pdns.log. Fix what it names (a held package, no network to the" \
    "package mirror, a locked dpkg), then run the command again."
  exit 1
fi

# The package enables its service for the next boot; nobody asked for a DNS server on port 53.
if [[ " ${need[*]} " == *" pdns-server "* ]] && [ -d "$sysroot/run/systemd/system" ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable pdns.service >>"$log" 2>&1 || say "could not disable the packaged pdns.service (see the log); countersign does not use it"
fi
# Likewise Prometheus: the tests start their own on a loopback port, with their own storage.
if [[ " ${need[*]} " == *" prometheus "* ]] && [ -d "$sysroot/run/systemd/system" ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable prometheus.service >>"$log" 2>&1 || say "could not disable the packaged prometheus.service (see the log); countersign does not use it"
fi

missing=()
command -v pdns_server >/dev/null 2>&1 || missing+=(pdns_server)
[ -f "$schema" ] || missing+=("$schema")
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v dig >/dev/null 2>&1 || missing+=(dig)
command -v xmllint >/dev/null 2>&1 || missing+=(xmllint)
perl -MNet::EPP::Simple -e1 >/dev/null 2>&1 || missing+=("Perl's Net::EPP::Simple")
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -ne 0 ]; then
  say "apt-get reported success, but ${missing[*]} still cannot be found. Check .data/logs/install-pdns.log," \
    "then install ${need[*]} by hand and run the command again."
  exit 1
fi
say "installed ${need[*]}; the packaged PowerDNS service was not started"
