#!/usr/bin/env bash
# PowerDNS Authoritative (4.7, Debian) for dnsplan's integration tests, on loopback only.
#
#   pdns.sh install             install what is missing (apt packages; mmdb-writer in the venv)
#   pdns.sh install-system      only the apt packages (PowerDNS, sqlite3, dig, curl, python3-venv)
#   pdns.sh start WORKDIR       start a server with its state in WORKDIR; prints its PID
#   pdns.sh stop WORKDIR        stop the server started in WORKDIR (by its PID)
#   pdns.sh env WORKDIR         print the addresses of the server started in WORKDIR
#
# start reads (all optional):
#   PDNS_DNS_PORT (5300)  PDNS_API_PORT (8081)  PDNS_API_KEY (test-api-key)
#   PDNS_OWNER_PID        stop the server when this process ends (a test binary passes its PID,
#                         so a crashed or killed test run never leaves a server behind)
#   PDNS_CLEANUP=1        with PDNS_OWNER_PID: also remove WORKDIR once the server is stopped
#   DNSPLAN_VENV          the Python venv with mmdb-writer (default: $DNSPLAN_OCTODNS_VENV, else
#                         the repo's .venv)
#
# The server: sqlite3 backend (the API writes there), LUA records and EDNS client subnet
# enabled, the geoip backend reading a tiny database generated here (make_test_geoip.py),
# ALIAS expansion resolving through the server itself, no caches. Ready when the API answers
# and the DNS port answers a query.
set -euo pipefail
# pdns_server lives in /usr/sbin, which a non-root PATH may lack
export PATH="$PATH:/usr/sbin:/sbin"

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${DNSPLAN_VENV:-${DNSPLAN_OCTODNS_VENV:-$REPO/.venv}}
APT_PACKAGES=(pdns-server pdns-backend-sqlite3 pdns-backend-geoip sqlite3 dnsutils curl)
SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql

NAME=pdns.sh
# shellcheck source=scripts/harness/lib.sh
. "$(dirname "$0")/lib.sh"

missing_packages() {
  missing_apt_packages
  # the test GeoIP database is written by Python in a venv
  command -v python3 >/dev/null || echo python3
  python3 -c 'import ensurepip, venv' 2>/dev/null || echo python3-venv
}

cmd_install_system() {
  local missing
  missing=$(missing_packages)
  # shellcheck disable=SC2086
  apt_install $missing
  pdns_server --version 2>&1 | grep -m1 -o 'PowerDNS Authoritative Server [0-9.]*' || true
}

cmd_install() {
  cmd_install_system
  if ! "$VENV/bin/python" -c 'import mmdb_writer' 2>/dev/null; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'mmdb-writer==0.2.7'
  fi
}

pdns_ready() {
  curl -sf -o /dev/null -H "X-API-Key: $key" "http://127.0.0.1:$api_port/api/v1/servers/localhost" \
    && dig +short +time=1 +tries=1 @127.0.0.1 -p "$dns_port" . SOA >/dev/null 2>&1
}

cmd_start() {
  local w=${1:?usage: pdns.sh start WORKDIR}
  local dns_port=${PDNS_DNS_PORT:-5300} api_port=${PDNS_API_PORT:-8081}
  local key=${PDNS_API_KEY:-test-api-key}
  command -v pdns_server >/dev/null || die "pdns_server is not installed (run: pdns.sh install)"
  [ -r "$SCHEMA" ] || die "$SCHEMA is missing (pdns-backend-sqlite3 not installed?)"
  mkdir -p "$w"
  w=$(cd "$w" && pwd)
  if [ -s "$w/pdns.pid" ] && kill -0 "$(cat "$w/pdns.pid")" 2>/dev/null; then
    die "a server from $w is still running (pid $(cat "$w/pdns.pid"))"
  fi
  sed -e "s#@DIR@#$w#g" -e "s#@DNS_PORT@#$dns_port#g" -e "s#@API_PORT@#$api_port#g" \
    -e "s#@API_KEY@#$key#g" "$HERE/pdns.conf.in" > "$w/pdns.conf"
  cp "$HERE/geo-zones.yaml" "$w/geo-zones.yaml"
  "$VENV/bin/python" "$HERE/make_test_geoip.py" "$w/test-geo.mmdb" \
    || die "cannot write the test GeoIP database (run: pdns.sh install)"
  rm -f "$w/pdns.sqlite3"
  sqlite3 "$w/pdns.sqlite3" < "$SCHEMA"
  pdns_server --config-dir="$w" </dev/null >"$w/pdns.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$w/pdns.pid"
  printf 'PDNS_API_URL=http://127.0.0.1:%s\nPDNS_API_KEY=%s\nPDNS_DNS=127.0.0.1:%s\nPDNS_PID=%s\n' \
    "$api_port" "$key" "$dns_port" "$pid" > "$w/env"
  watchdog "$pid" "$w" "${PDNS_OWNER_PID:-}" "${PDNS_CLEANUP:-}" "${PDNS_KEEP:-}"
  wait_ready "$pid" "$w/pdns.log" "pdns_server (127.0.0.1:$dns_port, API :$api_port)" 200 pdns_ready
}

cmd_stop() {
  local w=${1:?usage: pdns.sh stop WORKDIR}
  stop_pidfile "$w/pdns.pid"
}


case "${1:-}" in
  install) cmd_install ;;
  install-system) cmd_install_system ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
