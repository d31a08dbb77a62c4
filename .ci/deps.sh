#!/usr/bin/env bash
# Installs what medcode needs to build on Debian 12 (run as root, or with sudo); with
# --test also what the test suite uses (headless Chromium renders the HTML report;
# Hyperscan builds the benchmark kit's peer).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config libzstd-dev libcsv-dev libexpat1-dev libxxhash-dev \
  zstd python3 ca-certificates >/dev/null
if [ "${1:-}" = "--test" ]; then
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  # the benchmark kit's Hyperscan peer (bench/peers/hs_scan.c), checked by tests/bench;
  # Debian builds Hyperscan for amd64 only
  if [ "$(dpkg --print-architecture)" = amd64 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends libhyperscan-dev >/dev/null
  fi
fi
