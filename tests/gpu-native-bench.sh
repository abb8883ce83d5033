#!/usr/bin/env bash
# The benchmark for a lent GPU machine (README, "WebGPU on a real GPU"). Those machines have no
# browser and fetch nothing, so this is latent-lab's CLI, built here with WebGPU, run there
# natively through wgpu on the GPU's Vulkan driver (the shaders are the page's WGSL): each
# model's training step and the live analysis with Burn's kernels and with ours, the live
# analysis on the CPU beside them, and how far each kernel's outputs are from the CPU's.
#
#   bash tests/gpu-native-bench.sh pack   here: builds the CLI, packs it with Vulkan's loader
#                                         into .gpu-bench/ (ignored by git)
#   bash tests/gpu-native-bench.sh run    there: the device tool's run with carry [".gpu-bench"];
#                                         here with VK_ICD_FILENAMES naming SwiftShader's driver
#
# LATENT_LAB_GPU_STEPS (default 30) timed steps and analyses after LATENT_LAB_GPU_WARMUP (5).
set -euo pipefail
cd "$(dirname "$0")/.."
pack=.gpu-bench
# What the device tool sends: the working tree (tracked files) and the carried paths, 64 MiB in all.
travel_limit=$((64 * 1024 * 1024))

pack() {
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"
  cargo build --release -p latent-lab
  rm -rf "$pack" && mkdir -p "$pack"
  # The repository takes most of the 64 MiB: stripped and compressed, the CLI fits beside it.
  strip -o "$pack/latent-lab" "$CARGO_TARGET_DIR/release/latent-lab"
  python3 -c 'import lzma, sys; data = open(sys.argv[1], "rb").read(); open(sys.argv[1] + ".xz", "wb").write(lzma.compress(data, preset=9))' "$pack/latent-lab"
  rm "$pack/latent-lab"
  # Vulkan's loader: the GPU machines have the driver but may lack it. A machine whose package
  # lists were never fetched (Chromium came with it) updates them first.
  if ! (cd "$pack" && apt-get download libvulkan1 2>/dev/null); then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update
    (cd "$pack" && apt-get download libvulkan1) || { echo "could not download libvulkan1 (apt-get download)" >&2; exit 1; }
  fi
  local tree packed
  tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s | awk '{ sum += $1 } END { print sum }')
  packed=$(du -cb "$pack" | tail -1 | cut -f1)
  echo "packed $pack: $packed bytes; with the working tree's $tree bytes, $((tree + packed)) of the $travel_limit the device tool sends"
  [ $((tree + packed)) -le "$travel_limit" ] || { echo "too large to travel to the GPU machine" >&2; exit 1; }
}

run() {
  [ -f "$pack/latent-lab.xz" ] || { echo "no $pack/latent-lab.xz: run 'bash $0 pack' first (and carry $pack)" >&2; exit 2; }
  local root=/tmp/latent-lab-gpu-bench
  rm -rf "$root" && mkdir -p "$root"
  for deb in "$pack"/*.deb; do dpkg -x "$deb" "$root"; done
  export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # Where the lent machines keep NVIDIA's Vulkan driver (the device tool's README).
  local nvidia=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia" ]; then export VK_DRIVER_FILES="$nvidia"; fi
  python3 -c 'import lzma, sys; open(sys.argv[2], "wb").write(lzma.open(sys.argv[1]).read())' "$pack/latent-lab.xz" "$root/latent-lab"
  chmod +x "$root/latent-lab"
  if command -v nvidia-smi >/dev/null; then nvidia-smi -L; fi
  "$root/latent-lab" bench --backend webgpu --steps "${LATENT_LAB_GPU_STEPS:-30}" --warmup "${LATENT_LAB_GPU_WARMUP:-5}" "$@"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash $0 pack|run [bench options]" >&2; exit 2 ;;
esac
