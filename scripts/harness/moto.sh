#!/usr/bin/env bash
# moto_server (Route 53 emulation, moto 5.1.22) for dnsplan's integration tests, on loopback only.
#
#   moto.sh start WORKDIR       start a server with its log and pid in WORKDIR; prints its PID
#   moto.sh stop WORKDIR        stop the server started in WORKDIR (by its PID)
#   moto.sh env WORKDIR         print the address of the server started in WORKDIR
#
# start reads (all optional):
#   MOTO_PORT (5400)
#   MOTO_OWNER_PID        stop the server when this process ends (a test binary passes its PID,
#                         so a crashed or killed test run never leaves a server behind)
#   MOTO_CLEANUP=1        with MOTO_OWNER_PID: also remove WORKDIR once the server is stopped
#   DNSPLAN_VENV          the Python venv with moto[server] (default: $DNSPLAN_OCTODNS_VENV, else
#                         the repo's .venv; scripts/test installs moto there)
#
# moto keeps everything in memory: a new server starts empty. It serves the AWS APIs only (no
# DNS), picks the service from the SigV4 Authorization header (an unsigned request lands in its
# S3 handler), and is lax where real Route 53 validates (tests/conformance/route53.rs lists
# what the tests steer around). Its request log is WORKDIR/moto.log. Ready when
# http://127.0.0.1:PORT/moto-api/ answers.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${DNSPLAN_VENV:-${DNSPLAN_OCTODNS_VENV:-$REPO/.venv}}

NAME=moto.sh
# shellcheck source=scripts/harness/lib.sh
. "$(dirname "$0")/lib.sh"

moto_ready() {
  curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/"
}

cmd_start() {
  local w=${1:?usage: moto.sh start WORKDIR}
  local port=${MOTO_PORT:-5400}
  [ -x "$VENV/bin/moto_server" ] \
    || die "$VENV/bin/moto_server is missing (scripts/test installs 'moto[server]==5.1.22' in .venv)"
  mkdir -p "$w"
  w=$(cd "$w" && pwd)
  if [ -s "$w/moto.pid" ] && kill -0 "$(cat "$w/moto.pid")" 2>/dev/null; then
    die "a server from $w is still running (pid $(cat "$w/moto.pid"))"
  fi
  # fake credentials and no instance-metadata probing: nothing may leave loopback
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$w/moto.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$w/moto.pid"
  printf 'MOTO_URL=http://127.0.0.1:%s\nMOTO_PID=%s\n' "$port" "$pid" > "$w/env"
  watchdog "$pid" "$w" "${MOTO_OWNER_PID:-}" "${MOTO_CLEANUP:-}" "${MOTO_KEEP:-}"
  wait_ready "$pid" "$w/moto.log" "moto_server (127.0.0.1:$port)" 300 moto_ready
}

cmd_stop() {
  local w=${1:?usage: moto.sh stop WORKDIR}
  stop_pidfile "$w/moto.pid"
}


case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
