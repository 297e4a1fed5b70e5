#!/usr/bin/env bash
# Knot DNS (Debian 12: 3.2) for dnsplan's RFC 2136 tests, on loopback only.
#
#   knot.sh install-system            install the apt packages if missing (knot, knot-dnsutils,
#                                     and dig from bind9-dnsutils); apt never starts the service
#   knot.sh start WORKDIR             start a server with its state in WORKDIR; prints its PID
#   knot.sh stop WORKDIR              stop the server started in WORKDIR (by its PID)
#   knot.sh env WORKDIR               print the address and TSIG key of that server
#   knot.sh zone-reset WORKDIR ZONE   (re)create ZONE empty: SOA and apex NS only
#   knot.sh zone-delete WORKDIR ZONE  remove ZONE (and its journal) from the server
#
# start reads (all optional):
#   KNOT_DNS_PORT (5303)
#   KNOT_KEY_NAME (dnsplan-key)  KNOT_KEY_SECRET (base64; generated when unset)
#   KNOT_KEY_ALGORITHM (hmac-sha256)
#   KNOT_OWNER_PID        stop the server when this process ends (a test binary passes its PID,
#                         so a crashed or killed test run never leaves a server behind)
#   KNOT_CLEANUP=1        with KNOT_OWNER_PID: also remove WORKDIR once the server is stopped
#
# The server runs from a configuration database (imported from the generated knot.conf) so
# that zones can be added and removed at run time (`knotc conf-begin … conf-commit`); every
# zone allows UPDATE and AXFR with the TSIG key only, keeps its changes in the journal
# (zonefile-sync: -1) and runs without semantic checks. A new zone holds
# `SOA ns1.example.net. hostmaster.example.net. 1 …` and `NS ns1.example.net.`.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

APT_PACKAGES=(knot knot-dnsutils bind9-dnsutils)

NAME=knot.sh
# shellcheck source=scripts/harness/lib.sh
. "$(dirname "$0")/lib.sh"

cmd_install_system() {
  local missing
  missing=$(missing_apt_packages)
  # shellcheck disable=SC2086
  apt_install $missing
  knotd --version
}


knotc_() {
  local w=$1
  shift
  knotc -s "$w/knot.sock" -t 10 "$@"
}

# ready: the DNS port answers (a zone it does not serve) and the control socket works
knotd_ready() {
  dig +time=1 +tries=1 @127.0.0.1 -p "$dns_port" ready.invalid SOA 2>/dev/null | grep -q 'status:' \
    && knotc_ "$w" status >/dev/null 2>&1
}

cmd_start() {
  local w=${1:?usage: knot.sh start WORKDIR}
  local dns_port=${KNOT_DNS_PORT:-5303}
  local key_name=${KNOT_KEY_NAME:-dnsplan-key} alg=${KNOT_KEY_ALGORITHM:-hmac-sha256}
  command -v knotd >/dev/null || die "knotd is not installed (run: knot.sh install-system)"
  mkdir -p "$w"
  w=$(cd "$w" && pwd)
  if [ -s "$w/knotd.pid.shell" ] && kill -0 "$(cat "$w/knotd.pid.shell")" 2>/dev/null; then
    die "a server from $w is still running (pid $(cat "$w/knotd.pid.shell"))"
  fi
  local secret=${KNOT_KEY_SECRET:-}
  if [ -z "$secret" ]; then
    secret=$(keymgr -t "$key_name" "$alg" | sed -n 's/.*secret: //p')
  fi
  rm -rf "$w/db" "$w/confdb" "$w/zones"
  # knotd does not create its database directory: without it every UPDATE is SERVFAIL
  mkdir -p "$w/db" "$w/zones"
  cat > "$w/knot.conf" <<EOF
server:
    rundir: "$w"
    user: $(id -un):$(id -gn)
    listen: 127.0.0.1@$dns_port

log:
  - target: stderr
    any: info

key:
  - id: $key_name
    algorithm: $alg
    secret: $secret

acl:
  - id: dnsplan-acl
    key: $key_name
    action: [transfer, update]

database:
    storage: "$w/db"

template:
  - id: default
    storage: "$w/zones"
    file: "%s.zone"
    zonefile-sync: -1
    semantic-checks: off
    acl: dnsplan-acl
EOF
  knotc -c "$w/knot.conf" conf-check >/dev/null || die "knotc conf-check failed"
  knotc -C "$w/confdb" conf-import "$w/knot.conf" >/dev/null || die "knotc conf-import failed"
  printf 'KNOT_DNS=127.0.0.1:%s\nKNOT_KEY_NAME=%s\nKNOT_KEY_SECRET=%s\nKNOT_KEY_ALGORITHM=%s\n' \
    "$dns_port" "$key_name" "$secret" "$alg" > "$w/env"
  knotd -C "$w/confdb" </dev/null >"$w/knot.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$w/knotd.pid.shell"
  echo "KNOT_PID=$pid" >> "$w/env"
  watchdog "$pid" "$w" "${KNOT_OWNER_PID:-}" "${KNOT_CLEANUP:-}" "${KNOT_KEEP:-}"
  wait_ready "$pid" "$w/knot.log" "knotd (127.0.0.1:$dns_port)" 200 knotd_ready
}

cmd_stop() {
  local w=${1:?usage: knot.sh stop WORKDIR}
  stop_pidfile "$w/knotd.pid.shell"
}


# ZONE with its final dot, lowercased
zone_arg() {
  local z=${1:?zone}
  z=${z%.}
  printf '%s.' "${z,,}"
}

zone_delete() {
  local w=$1 z=$2
  if knotc_ "$w" conf-read "zone[$z]" >/dev/null 2>&1; then
    # drop the journal and timers too: a zone added again under this name starts afresh
    knotc_ "$w" zone-purge -f "$z" >/dev/null 2>&1 || true
    knotc_ "$w" conf-begin >/dev/null
    if ! knotc_ "$w" conf-unset "zone[$z]" >/dev/null || ! knotc_ "$w" conf-commit >/dev/null; then
      knotc_ "$w" conf-abort >/dev/null 2>&1 || true
      die "cannot remove zone $z"
    fi
  fi
  knotc_ "$w" zone-purge -f +orphan "$z" >/dev/null 2>&1 || true
  rm -f "$w/zones/${z}zone"
}

cmd_zone_delete() {
  local w=${1:?usage: knot.sh zone-delete WORKDIR ZONE} z
  z=$(zone_arg "${2:-}")
  lock_zones "$w"
  zone_delete "$w" "$z"
}

cmd_zone_reset() {
  local w=${1:?usage: knot.sh zone-reset WORKDIR ZONE} z
  z=$(zone_arg "${2:-}")
  lock_zones "$w"
  zone_delete "$w" "$z"
  cat > "$w/zones/${z}zone" <<EOF
\$ORIGIN $z
\$TTL 3600
@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300
@ IN NS ns1.example.net.
EOF
  knotc_ "$w" conf-begin >/dev/null
  if ! knotc_ "$w" conf-set "zone[$z]" >/dev/null || ! knotc_ "$w" conf-commit >/dev/null; then
    knotc_ "$w" conf-abort >/dev/null 2>&1 || true
    die "cannot add zone $z"
  fi
  local port=${KNOT_DNS#*:}
  for _ in $(seq 1 100); do
    if dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" "$z" SOA 2>/dev/null | grep -q hostmaster; then
      return 0
    fi
    sleep 0.05
  done
  tail -n 20 "$w/knot.log" >&2
  die "zone $z did not load"
}

case "${1:-}" in
  install-system) cmd_install_system ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  zone-reset) shift; cmd_zone_reset "$@" ;;
  zone-delete) shift; cmd_zone_delete "$@" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
