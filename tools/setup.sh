#!/usr/bin/env bash
# Installs every Debian package fp8sdk needs to build, test and run (idempotent).
# Usage: tools/setup.sh        (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap g++ python3
  # test and benchmark frameworks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # model format
  flatbuffers-compiler libflatbuffers-dev
  # CPU backend
  libdnnl-dev
  # Vulkan backend: headers + loader, shader compiler, software device (lavapipe)
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools
  # converter: ONNX schema, protobuf, JSON
  libonnx-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev libonnx-testdata
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi

if [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: note: /usr/local/cuda (CUDA toolkit) not found; the CUDA backend will not build" >&2
fi
