#!/usr/bin/env bash
# Runs every test: the lint gate (rustfmt, clippy natively and for wasm32), the native suite
# (models, data, weights, shipped weights, CLI, fuzz regressions), a few seconds of each fuzz
# target, then the site's release build and the browser tests in headless Chromium (WebGPU and
# CPU). Fails if the tests changed the work tree. Installs what a fresh machine lacks first
# (.ci/install: seconds when nothing is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"
tree_before="$(git status --porcelain 2>/dev/null || true)"

echo "== install what is missing (.ci/install)"
bash .ci/install

echo "== lint: rustfmt"
cargo fmt --check
( cd fuzz && cargo fmt --check )

echo "== native tests"
cargo test --release --workspace

# The WebGPU kernels we write ourselves (models::product, models::conv_pool, train::adam_step), the
# AE's folded outer layers through them (models::ae) and reading several tensors at once
# (readback), natively through wgpu on SwiftShader's Vulkan driver: the software adapter Chromium
# ships and the browser tests run WebGPU on.
echo "== native tests of our WebGPU kernels (wgpu on Chromium's SwiftShader)"
chromium_lib=/usr/lib/chromium   # Debian's chromium package (.ci/install)
[ -f "$chromium_lib/vk_swiftshader_icd.json" ] || { echo "no SwiftShader in $chromium_lib" >&2; exit 1; }
VK_ICD_FILENAMES="$chromium_lib/vk_swiftshader_icd.json" LD_LIBRARY_PATH="$chromium_lib" \
  cargo test --release --lib --features webgpu -- models::product models::conv_pool models::ae train::adam_step readback::

# The benchmark a lent GPU machine runs (it has no browser): packed as the device tool takes it
# (its size checked against what the tool sends), then run once here on SwiftShader, where it
# fails if our kernels' outputs differ from the CPU's (tests/gpu-native-bench.sh).
echo "== the GPU machine's benchmark, packed, then run once on SwiftShader"
bash tests/gpu-native-bench.sh pack
LATENT_LAB_GPU_STEPS=1 LATENT_LAB_GPU_WARMUP=1 VK_ICD_FILENAMES="$chromium_lib/vk_swiftshader_icd.json" \
  bash tests/gpu-native-bench.sh run --models ae

echo "== lint: clippy (native, and with WebGPU; wasm32: everything, the page's module, the CPU inference worker's)"
cargo clippy --release --workspace --all-targets -- -D warnings
cargo clippy --release --lib --tests --features webgpu -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --all-targets --features webgpu -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --no-default-features --lib --bin playground -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --no-default-features --features engine --lib --bin inference-worker -- -D warnings

echo "== fuzz targets, a few seconds each (bash fuzz/run.sh runs them for 10 minutes)"
bash fuzz/run.sh 5

echo "== site build (wasm32, trunk --release)"
trunk build --release

echo "== browser tests (headless Chromium)"
(cd tests/browser && LATENT_LAB_CLI="$CARGO_TARGET_DIR/release/latent-lab" npm test)

if [ "$(git status --porcelain 2>/dev/null || true)" != "$tree_before" ]; then
  echo "the tests changed the work tree:" >&2
  git status --short >&2
  exit 1
fi
