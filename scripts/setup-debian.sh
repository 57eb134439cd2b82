#!/usr/bin/env bash
# Installs what DyTox.Native needs on a fresh Debian bookworm machine (run as root or through sudo):
#  - libopenblas0-pthread: the CPU GEMM (the engine falls back to its own AVX-512 GEMM without it);
#  - libnvrtc11.2 (non-free): NVRTC 11.8, so every CUDA kernel compiles (for sm_80/sm_90) without a GPU;
#  - g++: builds the CUDA emulator that runs every kernel on the CPU;
#  - dataset-fashion-mnist: the real data of the main job.
# The .NET 10 SDK must already be on PATH (https://dot.net; not a Debian package).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! grep -rqs "non-free" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee /etc/apt/sources.list.d/dytox-non-free.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libopenblas0-pthread libnvrtc11.2 g++ dataset-fashion-mnist >/dev/null
echo "setup-debian: OpenBLAS, NVRTC 11.8, g++ and Fashion-MNIST are installed."
