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
# S3 handler), and is lax where real Route 53 validates; see
# ../shared/reference/backends.md §3 or scripts/harness/README.md. Ready when
# http://127.0.0.1:PORT/moto-api/ answers.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${DNSPLAN_VENV:-${DNSPLAN_OCTODNS_VENV:-$REPO/.venv}}

die() { echo "moto.sh: $*" >&2; exit 1; }

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
  if [ -n "${MOTO_OWNER_PID:-}" ]; then
    # watchdog: the server lives only as long as its owner
    (
      while kill -0 "$MOTO_OWNER_PID" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
      kill "$pid" 2>/dev/null || true
      if [ "${MOTO_CLEANUP:-}" = 1 ] && [ -z "${MOTO_KEEP:-}" ]; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        rm -rf "$w"
      fi
    ) </dev/null >/dev/null 2>&1 &
  fi
  local i
  for i in $(seq 1 300); do # up to ~15 s; typically 0.6-0.8 s
    if curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/"; then
      echo "$pid"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$w/moto.log" >&2
      die "moto_server exited during start-up (log above)"
    fi
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  cat "$w/moto.log" >&2
  die "moto_server did not become ready on 127.0.0.1:$port"
}

cmd_stop() {
  local w=${1:?usage: moto.sh stop WORKDIR}
  [ -s "$w/moto.pid" ] || die "no moto.pid in $w"
  local pid i
  pid=$(cat "$w/moto.pid")
  kill "$pid" 2>/dev/null || { rm -f "$w/moto.pid"; return 0; }
  # an orphaned server is reaped by PID 1, which can take a second or two
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$w/moto.pid"
}

cmd_env() {
  local w=${1:?usage: moto.sh env WORKDIR}
  cat "$w/env"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  env) shift; cmd_env "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
