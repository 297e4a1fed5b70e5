#!/usr/bin/env bash
# BIND 9 (named, Debian 12: 9.18) for dnsplan's RFC 2136 tests, on loopback only.
#
#   bind.sh install-system            install the apt packages if missing (bind9, bind9-utils,
#                                     bind9-dnsutils); apt never starts the service
#   bind.sh start WORKDIR             start a server with its state in WORKDIR; prints its PID
#   bind.sh stop WORKDIR              stop the server started in WORKDIR (by its PID)
#   bind.sh env WORKDIR               print the address and TSIG key of that server
#   bind.sh zone-reset WORKDIR ZONE   (re)create ZONE empty: SOA and apex NS only
#   bind.sh zone-delete WORKDIR ZONE  remove ZONE from the server, if it is there
#   bind.sh zone-load WORKDIR ZONE FILE  (re)create ZONE from the master file FILE, as a
#                                     primary serves the file it is given (named-checkzone first)
#
# start reads (all optional):
#   BIND_DNS_PORT (5301)  BIND_RNDC_PORT (5302)
#   BIND_KEY_NAME (dnsplan-key)  BIND_KEY_SECRET (base64; generated when unset)
#   BIND_KEY_ALGORITHM (hmac-sha256)
#   BIND_OWNER_PID        stop the server when this process ends (a test binary passes its PID,
#                         so a crashed or killed test run never leaves a server behind)
#   BIND_CLEANUP=1        with BIND_OWNER_PID: also remove WORKDIR once the server is stopped
#
# The server: authoritative only (no recursion, no NOTIFY), zones added at run time with
# `rndc addzone` (allow-new-zones), each allowing UPDATE and AXFR with the TSIG key only.
# BIND's defaults otherwise (check-integrity, check-mx …), as a production server has them.
# A new zone holds `SOA ns1.example.net. hostmaster.example.net. 1 …` and `NS ns1.example.net.`
# (RFC 2136 cannot create zones; the apex NS cannot be removed by UPDATE).
set -euo pipefail
# named, rndc and named-checkconf live in /usr/sbin, which a non-root PATH may lack
export PATH="$PATH:/usr/sbin:/sbin"

APT_PACKAGES=(bind9 bind9-utils bind9-dnsutils)

NAME=bind.sh
# shellcheck source=scripts/harness/lib.sh
. "$(dirname "$0")/lib.sh"

cmd_install_system() {
  local missing
  missing=$(missing_apt_packages)
  # shellcheck disable=SC2086
  apt_install $missing
  named -v
}

# the server's settings, as `start` recorded them

rndc_() {
  local w=$1
  shift
  rndc -s 127.0.0.1 -p "$BIND_RNDC_PORT" -k "$w/rndc.key" "$@"
}

# ready: the DNS port answers (REFUSED for a zone it does not serve) and rndc works
named_ready() {
  dig +time=1 +tries=1 @127.0.0.1 -p "$dns_port" ready.invalid SOA 2>/dev/null | grep -q 'status:' \
    && BIND_RNDC_PORT=$rndc_port rndc_ "$w" status >/dev/null 2>&1
}

cmd_start() {
  local w=${1:?usage: bind.sh start WORKDIR}
  local dns_port=${BIND_DNS_PORT:-5301} rndc_port=${BIND_RNDC_PORT:-5302}
  local key_name=${BIND_KEY_NAME:-dnsplan-key} alg=${BIND_KEY_ALGORITHM:-hmac-sha256}
  command -v named >/dev/null || die "named is not installed (run: bind.sh install-system)"
  mkdir -p "$w"
  w=$(cd "$w" && pwd)
  if [ -s "$w/named.pid.shell" ] && kill -0 "$(cat "$w/named.pid.shell")" 2>/dev/null; then
    die "a server from $w is still running (pid $(cat "$w/named.pid.shell"))"
  fi
  mkdir -p "$w/zones"
  local secret=${BIND_KEY_SECRET:-}
  if [ -z "$secret" ]; then
    secret=$(tsig-keygen -a "$alg" "$key_name" | sed -n 's/.*secret "\(.*\)";/\1/p')
  fi
  printf 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' "$key_name" "$alg" "$secret" \
    > "$w/tsig.key"
  rm -f "$w/rndc.key"
  rndc-confgen -a -A hmac-sha256 -k rndc-key -c "$w/rndc.key" >/dev/null 2>&1
  cat > "$w/named.conf" <<EOF
options {
    directory "$w";
    pid-file "$w/named.pid";
    session-keyfile "$w/session.key";
    managed-keys-directory "$w";
    listen-on port $dns_port { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query { 127.0.0.0/8; };
    allow-transfer { none; };
    allow-new-zones yes;
};
logging {
    channel default_stderr { stderr; severity info; print-time yes; print-category yes; };
    category default { default_stderr; };
    category update { default_stderr; };
    category update-security { default_stderr; };
};
include "$w/rndc.key";
controls { inet 127.0.0.1 port $rndc_port allow { 127.0.0.1; } keys { "rndc-key"; }; };
include "$w/tsig.key";
EOF
  named-checkconf "$w/named.conf" || die "named-checkconf failed"
  printf 'BIND_DNS=127.0.0.1:%s\nBIND_RNDC_PORT=%s\nBIND_KEY_NAME=%s\nBIND_KEY_SECRET=%s\nBIND_KEY_ALGORITHM=%s\n' \
    "$dns_port" "$rndc_port" "$key_name" "$secret" "$alg" > "$w/env"
  named -g -c "$w/named.conf" </dev/null >"$w/named.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$w/named.pid.shell"
  echo "BIND_PID=$pid" >> "$w/env"
  watchdog "$pid" "$w" "${BIND_OWNER_PID:-}" "${BIND_CLEANUP:-}" "${BIND_KEEP:-}"
  wait_ready "$pid" "$w/named.log" "named (127.0.0.1:$dns_port)" 200 named_ready
}

cmd_stop() {
  local w=${1:?usage: bind.sh stop WORKDIR}
  stop_pidfile "$w/named.pid.shell"
}


# ZONE without its final dot, lowercased
zone_arg() {
  local z=${1:?zone}
  z=${z%.}
  printf '%s' "${z,,}"
}

zone_delete() {
  local w=$1 z=$2
  if rndc_ "$w" zonestatus "$z" >/dev/null 2>&1; then
    rndc_ "$w" delzone -clean "$z" >/dev/null
    # delzone finishes in the background: wait until the name is free again
    for _ in $(seq 1 100); do
      rndc_ "$w" zonestatus "$z" >/dev/null 2>&1 || break
      sleep 0.05
    done
  fi
  rm -f "$w/zones/$z.zone" "$w/zones/$z.zone.jnl"
}

cmd_zone_delete() {
  local w=${1:?usage: bind.sh zone-delete WORKDIR ZONE} z
  z=$(zone_arg "${2:-}")
  lock_zones "$w"
  zone_delete "$w" "$z"
}

cmd_zone_reset() {
  local w=${1:?usage: bind.sh zone-reset WORKDIR ZONE} z
  z=$(zone_arg "${2:-}")
  lock_zones "$w"
  zone_delete "$w" "$z"
  cat > "$w/zones/$z.zone" <<EOF
\$TTL 3600
@ IN SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300
@ IN NS ns1.example.net.
EOF
  zone_add "$w" "$z"
}

cmd_zone_load() {
  local w=${1:?usage: bind.sh zone-load WORKDIR ZONE FILE} z
  local file=${3:?usage: bind.sh zone-load WORKDIR ZONE FILE}
  z=$(zone_arg "${2:-}")
  [[ -f $file ]] || die "$file: no such file"
  named-checkzone -q "$z" "$file" || { named-checkzone "$z" "$file" >&2; die "$file does not load as $z"; }
  lock_zones "$w"
  zone_delete "$w" "$z"
  cp "$file" "$w/zones/$z.zone"
  zone_add "$w" "$z"
}

# add ZONE from its file in WORKDIR/zones and wait until it answers
zone_add() {
  local w=$1 z=$2
  rndc_ "$w" addzone "$z" "{ type primary; file \"$w/zones/$z.zone\"; \
allow-update { key \"$BIND_KEY_NAME\"; }; allow-transfer { key \"$BIND_KEY_NAME\"; }; };" >/dev/null
  local port=${BIND_DNS#*:}
  for _ in $(seq 1 100); do
    if [[ -n $(dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" "$z" SOA 2>/dev/null) ]]; then
      return 0
    fi
    sleep 0.05
  done
  tail -n 20 "$w/named.log" >&2
  die "zone $z did not load"
}

case "${1:-}" in
  install-system) cmd_install_system ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  zone-reset) shift; cmd_zone_reset "$@" ;;
  zone-delete) shift; cmd_zone_delete "$@" ;;
  zone-load) shift; cmd_zone_load "$@" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
