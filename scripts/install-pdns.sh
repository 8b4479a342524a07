#!/usr/bin/env bash
# Installs PowerDNS Authoritative (SQLite backend) and the DNS tools the tests use, from Debian
# packages. Idempotent. Keeps the packaged daemon from starting on port 53: the project runs its
# own instances on loopback ports with their own configuration.
set -euo pipefail

need=()
command -v pdns_server >/dev/null 2>&1 || need+=(pdns-server)
[ -f /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql ] || need+=(pdns-backend-sqlite3)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "countersign: PowerDNS is missing; install as root: apt-get install ${need[*]}" >&2
  exit 1
fi

# policy-rc.d exit 101 tells Debian maintainer scripts not to start services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
cleanup() { [ "$created_policy" -eq 1 ] && rm -f "$policy"; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "countersign: installed ${need[*]}"
