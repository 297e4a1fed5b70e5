#!/usr/bin/env bash
# Docker Engine (Debian's docker.io) for dnsplan's container test (tests/container): the
# action's image built and run the way the GitHub Actions runner runs a container action.
#
#   docker.sh install-system     install docker.io and debootstrap if missing (apt never starts
#                                the daemon)
#   docker.sh start WORKDIR      start dockerd unless one already answers; prints its PID (or
#                                `running`); its log and PID file go to WORKDIR
#   docker.sh stop WORKDIR       stop the dockerd that `start WORKDIR` started (by its PID)
#   docker.sh base [IMAGE]       build the base image (default dnsplan-base:bookworm) unless it
#                                exists: Debian bookworm (minbase + ca-certificates) by
#                                debootstrap from the Debian mirror, then `docker import`
#
# No image registry is reachable from here, so nothing is pulled: the base is made from Debian's
# packages, and the test builds Dockerfile.release on it. The daemon is started without a
# bridge and without iptables rules (the test runs its containers with --network host, so they
# reach the GitHub API fake on 127.0.0.1, and touch no other network).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

APT_PACKAGES=(docker.io debootstrap)
MIRROR=${DNSPLAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

NAME=docker.sh
# shellcheck source=scripts/harness/lib.sh
. "$(dirname "$0")/lib.sh"

cmd_install_system() {
  local missing
  missing=$(missing_apt_packages)
  # shellcheck disable=SC2086
  apt_install $missing
  dockerd --version
}

daemon_ready() { docker info >/dev/null 2>&1; }

cmd_start() {
  local w=${1:?usage: docker.sh start WORKDIR}
  if daemon_ready; then
    echo running
    return 0
  fi
  command -v dockerd >/dev/null || die "dockerd is not installed (run: docker.sh install-system)"
  [ "$(id -u)" = 0 ] || die "dockerd must be started as root"
  mkdir -p "$w"
  setsid dockerd --bridge=none --iptables=false >"$w/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$w/dockerd.pid"
  # up to 60 s: the first start creates /var/lib/docker
  wait_ready "$pid" "$w/dockerd.log" "dockerd" 1200 daemon_ready
}

cmd_stop() {
  local w=${1:?usage: docker.sh stop WORKDIR}
  stop_pidfile "$w/dockerd.pid"
}

cmd_base() {
  local image=${1:-dnsplan-base:bookworm}
  daemon_ready || die "no Docker daemon answers (run: docker.sh start WORKDIR)"
  if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$NAME: $image exists"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is not installed (run: docker.sh install-system)"
  local root
  root=$(mktemp -d /tmp/dnsplan-base.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$root'" EXIT
  echo "$NAME: debootstrap bookworm from $MIRROR"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
    || { tail -n 30 "$root.log" >&2; rm -f "$root.log"; die "debootstrap failed (log above)"; }
  rm -f "$root.log"
  # apt's caches are of no use in the image
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$image" >/dev/null
  echo "$NAME: built $image"
}

case "${1:-}" in
  install-system) cmd_install_system ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  base) shift; cmd_base "$@" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
