#!/usr/bin/env sh
# Ensures a Chromium binary for the browser tests (apps/hello/test/page.browser.test.ts).
# Idempotent: does nothing when /usr/bin/chromium already exists; otherwise installs Debian's
# `chromium` package (plus fonts-liberation, no other recommends) non-interactively, as root
# directly or else via sudo when available.
# Prints exactly one line describing what it did; exits non-zero when Chromium is unavailable.
set -eu

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: already installed at $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo -n"
else
  echo "ensure-chromium: FAILED: $CHROMIUM missing, not root and sudo unavailable (install the Debian 'chromium' package)" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: FAILED: $CHROMIUM missing and apt-get not found" >&2
  exit 1
fi

start=$(date +%s)
log=$(mktemp)
if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 &&
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >>"$log" 2>&1; then
  if [ -x "$CHROMIUM" ]; then
    rm -f "$log"
    echo "ensure-chromium: installed chromium via apt-get in $(($(date +%s) - start))s ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
  fi
  echo "ensure-chromium: FAILED: apt-get installed chromium but $CHROMIUM does not exist (set CHROMIUM_PATH?)" >&2
else
  echo "ensure-chromium: FAILED to install chromium via apt-get after $(($(date +%s) - start))s; last output:" >&2
  tail -n 20 "$log" >&2
fi
rm -f "$log"
exit 1
