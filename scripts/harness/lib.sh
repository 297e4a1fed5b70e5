# shellcheck shell=bash
# Shared by the server scripts here (pdns.sh, bind.sh, knot.sh, moto.sh): messages, apt
# installs that never start a service, the owner watchdog, readiness waits, stopping.
# Source it after setting NAME (the script's name, for messages).

die() { echo "$NAME: $*" >&2; exit 1; }

# The Debian packages of APT_PACKAGES (an array) that are not installed, one per line.
missing_apt_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# apt_install PACKAGE…: install them (sudo unless root); apt must never start the services
# it installs (a DNS server would bind port 53).
apt_install() {
  [ $# -gt 0 ] || return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
  fi
  echo "$NAME: installing $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# watchdog PID WORKDIR OWNER_PID CLEANUP KEEP: once OWNER_PID is gone, stop PID; with CLEANUP=1
# (and KEEP empty) also remove WORKDIR. Nothing without OWNER_PID. A test binary passes its
# PID, so a crashed or killed test run never leaves a server behind.
watchdog() {
  local pid=$1 w=$2 owner=$3 cleanup=$4 keep=$5
  [ -n "$owner" ] || return 0
  (
    while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
    kill "$pid" 2>/dev/null || true
    if [ "$cleanup" = 1 ] && [ -z "$keep" ]; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -rf "$w"
    fi
  ) </dev/null >/dev/null 2>&1 &
}

# wait_ready PID LOG WHAT TRIES PROBE…: run PROBE every 50 ms until it succeeds (then print
# PID); dies with LOG shown when the server exits or TRIES run out. PROBE is usually a
# function of the calling script that reads its caller's locals (ports, WORKDIR).
wait_ready() {
  local pid=$1 log=$2 what=$3 tries=$4
  shift 4
  for _ in $(seq 1 "$tries"); do
    if "$@"; then
      echo "$pid"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      die "${what%% *} exited during start-up (log above)"
    fi
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  cat "$log" >&2
  die "$what did not become ready"
}

# stop_pidfile FILE: stop the process FILE names (SIGKILL after ~5 s) and remove FILE.
stop_pidfile() {
  local f=$1 pid
  [ -s "$f" ] || die "no $(basename "$f") in $(dirname "$f")"
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
  # an orphaned server is reaped by PID 1, which can take a second or two
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$f"
}

# cmd_env WORKDIR: print the addresses of the server started in WORKDIR.
cmd_env() {
  local w=${1:?usage: $NAME env WORKDIR}
  cat "$w/env"
}

# load_env WORKDIR: read the env file of the server started in WORKDIR into this shell.
load_env() {
  local w=$1
  [ -s "$w/env" ] || die "no server was started in $w"
  # shellcheck disable=SC1091
  . "$w/env"
}

# lock_zones WORKDIR: load its env and hold WORKDIR's zone lock (fd 9) until the script
# exits, so concurrent zone-reset / zone-delete calls on one server do not interleave.
lock_zones() {
  local w=$1
  load_env "$w"
  exec 9>"$w/zones.lock"
  flock 9
}
