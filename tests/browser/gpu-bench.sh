#!/usr/bin/env bash
# One unattended GPU benchmark, for a machine with a GPU (README, "WebGPU on a real GPU"): serves
# the dist/ built beforehand (it builds nothing), runs Chromium with WebGPU on the GPU, prints one
# JSON line per model and one for the live analysis. Needs Node, the npm packages of
# tests/browser (npm ci) and Chromium (CHROMIUM=path, default /usr/bin/chromium). Gives up after
# LATENT_LAB_GPU_BENCH_SECONDS (default 300).
set -euo pipefail
cd "$(dirname "$0")"
[ -f ../../dist/index.html ] || { echo "gpu-bench: no dist/ here: build the site first (trunk build --release)" >&2; exit 2; }
[ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || { echo "gpu-bench: run npm ci in tests/browser first" >&2; exit 2; }
exec timeout "${LATENT_LAB_GPU_BENCH_SECONDS:-300}" node gpu-bench.mjs
