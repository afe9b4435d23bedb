#!/usr/bin/env sh
# Ensures the command-line tools the tests run for real (no mocks): each `command:debian-package`
# pair given is installed with apt-get when the command is missing. Idempotent; one line per tool.
# Usage: scripts/ensure-tools.sh redis-server:redis-server nginx:nginx
set -eu

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="none"; fi
updated=""

for pair in "$@"; do
  cmd="${pair%%:*}"
  pkg="${pair#*:}"
  if command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ]; then
    echo "ensure-tools: $cmd present"
    continue
  fi
  if [ "$SUDO" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: FAILED: $cmd is missing and cannot be installed here (install the Debian package $pkg)" >&2
    exit 1
  fi
  log=$(mktemp)
  if [ -z "$updated" ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || true
    updated=1
  fi
  if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >>"$log" 2>&1; then
    echo "ensure-tools: installed $pkg for $cmd"
    rm -f "$log"
  else
    echo "ensure-tools: FAILED to install $pkg:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
done
