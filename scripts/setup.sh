#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before `npm test` or `npm run demo`:
# the build tools, oneDNN (optional backend), SIMDe (the emulated ISA tests),
# the arm64 cross compiler and qemu
# (packaging tests), the Fashion-MNIST data set (the demo; without it the demo
# uses the subset shipped in the repo), then the npm packages (which build the
# addon from source when no prebuilt binary fits).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in cmake g++ make libdnnl-dev libsimde-dev g++-aarch64-linux-gnu qemu-user-static dataset-fashion-mnist; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# onnxruntime-node (a benchmark peer) would download GPU libraries at install.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund
