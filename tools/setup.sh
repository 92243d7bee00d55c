#!/usr/bin/env bash
# Installs every Debian package fp8sdk needs to build, test and run (idempotent).
# Usage: tools/setup.sh        (as root, or with sudo available)
#        tools/setup.sh --train  also installs what models/train_sst2.py and
#                                models/make_fixtures.py need (torch, onnx, numpy, OpenBLAS)
#        tools/setup.sh --aarch64  also the 64-bit ARM cross compiler, the arm64
#                                libraries (multiarch) and qemu-user, for
#                                bazel build --config=aarch64 and tools/test.sh --aarch64
set -euo pipefail

TRAIN=0
AARCH64=0
for arg in "$@"; do
  case "$arg" in
    --train) TRAIN=1 ;;
    --aarch64) AARCH64=1 ;;
    *) echo "usage: tools/setup.sh [--train] [--aarch64]" >&2; exit 2 ;;
  esac
done

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
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools vulkan-validationlayers
  # converter: ONNX schema, protobuf, JSON
  libonnx-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev libonnx-testdata
  # tokenizer: Unicode properties and normalization
  libutf8proc-dev
)
if [ "$TRAIN" = 1 ]; then
  PACKAGES+=(
    # training and export of models/ and tests/data/ (run with Debian's /usr/bin/python3);
    # libopenblas0-pthread makes torch's CPU matrix products much faster
    python3-torch python3-onnx python3-numpy libopenblas0-pthread
  )
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
if [ "$AARCH64" = 1 ]; then
  PACKAGES+=(
    # 64-bit ARM: cross compiler, user-mode emulator for the tests, and the
    # arm64 builds of the libraries the runtime and backends link (oneDNN's
    # library alone: libdnnl-dev:arm64 cannot sit next to the host's, and
    # the headers are the host's). The converter's ONNX import is not built
    # for ARM (libonnxifi:arm64 cannot sit next to the host's either).
    g++-aarch64-linux-gnu qemu-user
    libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64 libdnnl2:arm64
    libflatbuffers-dev:arm64 libvulkan-dev:arm64 mesa-vulkan-drivers:arm64 vulkan-validationlayers:arm64
    libutf8proc-dev:arm64
  )
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "setup: adding the arm64 architecture (multiarch)"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -q
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi

# Test peers from npm (ONNX Runtime CPU, Hugging Face tokenizers) in
# tools/npm/node_modules. ONNXRUNTIME_NODE_INSTALL=skip keeps onnxruntime-node
# from downloading CUDA libraries; its CPU library ships in the package.
here=$(cd "$(dirname "$0")" && pwd)
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$here/npm/node_modules/.package-lock.json" ] ||
     ! cmp -s "$here/npm/package-lock.json" "$here/npm/node_modules/.fp8sdk-lock-installed"; then
    echo "setup: installing npm test peers in tools/npm"
    (cd "$here/npm" && ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
       npm ci --no-audit --no-fund --loglevel=error) &&
      cp "$here/npm/package-lock.json" "$here/npm/node_modules/.fp8sdk-lock-installed" ||
      echo "setup: warning: npm install failed; tests that compare with ONNX Runtime or the npm tokenizer will skip" >&2
  fi
else
  echo "setup: note: npm not found; tests that compare with ONNX Runtime or the npm tokenizer will skip" >&2
fi

if [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: note: /usr/local/cuda (CUDA toolkit) not found; the CUDA backend will not build" >&2
fi
