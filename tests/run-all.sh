#!/usr/bin/env bash
# Runs every test: the lint gate (rustfmt, clippy natively and for wasm32), the native suite
# (models, data, weights, shipped weights, CLI, workers, fuzz regressions, and our WebGPU kernels
# on SwiftShader), the rule that the page carries no Burn, a few seconds of each fuzz target,
# then the site's release build and the browser tests in headless Chromium (WebGPU and CPU).
# Fails if the tests changed the work tree. Installs what a fresh machine lacks first
# (.ci/install: seconds when nothing is missing). Prints each stage's time, and all of them at
# the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"
tree_before="$(git status --porcelain 2>/dev/null || true)"

timings=()
stage_name=""
stage_start=0
# Starts a stage (and ends the one before, printing its time).
stage() {
  end_stage
  stage_name="$1"
  stage_start=$SECONDS
  echo "== $stage_name"
}
end_stage() {
  if [ -n "$stage_name" ]; then
    local took=$((SECONDS - stage_start))
    timings+=("$(printf '%5d s  %s' "$took" "$stage_name")")
    echo "-- $stage_name: ${took} s"
  fi
  stage_name=""
}

stage "install what takes seconds (.ci/install quick)"
bash .ci/install quick
# The tools cargo compiles (Trunk, wasm-bindgen, wasm-opt, cargo-fuzz: about 20 minutes on a
# fresh machine, seconds after) build in the background while the native stages, which need
# none of them, run: their builds leave one core idle much of the time.
tools_log="$CARGO_TARGET_DIR/install-tools.log"
bash .ci/install tools >"$tools_log" 2>&1 &
tools_pid=$!
tools_ready() {
  if ! wait "$tools_pid"; then
    tail -60 "$tools_log" >&2
    echo "installing the tools failed (.ci/install tools; the log: $tools_log)" >&2
    exit 1
  fi
  tools_pid=""
}
# A failing stage ends the background install too (and the cargo it runs).
trap '[ -z "${tools_pid:-}" ] || { pkill -P "$tools_pid" 2>/dev/null; kill "$tools_pid" 2>/dev/null; } || true' EXIT

stage "lint: rustfmt"
cargo fmt --all --check
( cd fuzz && cargo fmt --check )

# Natively there is one build of Burn for everything: the CLI and its tests enable training and
# WebGPU, so the workspace's tests, the CLI, the GPU benchmark and clippy share it. Our WebGPU
# kernels (models::product, models::conv_pool, the AE's folded layers, train::adam_step,
# readback) are tested in the same run through wgpu on Chromium's SwiftShader Vulkan driver: the
# software adapter the browser tests run WebGPU on.
stage "native tests (our WebGPU kernels on SwiftShader among them)"
chromium_lib=/usr/lib/chromium   # Debian's chromium package (.ci/install)
[ -f "$chromium_lib/vk_swiftshader_icd.json" ] || { echo "no SwiftShader in $chromium_lib" >&2; exit 1; }
VK_ICD_FILENAMES="$chromium_lib/vk_swiftshader_icd.json" LD_LIBRARY_PATH="$chromium_lib" \
  cargo test --release --workspace

stage "the page carries no Burn (cargo tree of latent-page for wasm32)"
if cargo tree -p latent-page --target wasm32-unknown-unknown -e normal --prefix none | grep -E '^burn'; then
  echo "latent-page depends on Burn" >&2
  exit 1
fi

# The benchmark a lent GPU machine runs (it has no browser): packed as the device tool takes it
# (its size checked against what the tool sends), then run once here on SwiftShader, where it
# fails if our kernels' outputs differ from the CPU's (tests/gpu-native-bench.sh).
stage "the GPU machine's benchmark, packed, then run once on SwiftShader"
bash tests/gpu-native-bench.sh pack
LATENT_LAB_GPU_STEPS=1 LATENT_LAB_GPU_WARMUP=1 VK_ICD_FILENAMES="$chromium_lib/vk_swiftshader_icd.json" \
  bash tests/gpu-native-bench.sh run --models ae

# wasm32: the page, the browser glue and the workers with training and WebGPU in one
# invocation; then the CPU inference worker, whose engine has neither.
stage "lint: clippy (native; wasm32: page and workers, the CPU inference worker)"
cargo clippy --release --workspace --all-targets -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown -p latent-page -p latent-web -p latent-workers \
  --all-targets --features latent-workers/training,latent-workers/webgpu -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown -p latent-workers --bin inference-worker -- -D warnings

stage "waiting for the tools (.ci/install tools, started at the beginning)"
tools_ready

stage "fuzz targets, a few seconds each (bash fuzz/run.sh runs them for 10 minutes)"
bash fuzz/run.sh 5

stage "site build (wasm32, trunk --release)"
trunk build --release

stage "browser tests (headless Chromium)"
(cd tests/browser && LATENT_LAB_CLI="$CARGO_TARGET_DIR/release/latent-lab" npm test)

stage "the work tree is as it was"
if [ "$(git status --porcelain 2>/dev/null || true)" != "$tree_before" ]; then
  echo "the tests changed the work tree:" >&2
  git status --short >&2
  exit 1
fi
end_stage

echo "== time per stage"
printf '%s\n' "${timings[@]}"
echo "total: ${SECONDS} s"
