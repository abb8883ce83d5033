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

stage "lint: rustfmt"
cargo fmt --all --check
( cd fuzz && cargo fmt --check )
end_stage

# Two halves run side by side: the wasm32 half (cargo-fuzz, wasm32 clippy, the site's tools,
# the site build) in the background, the native half here. They share no build: cargo locks a
# target directory per profile, and the wasm32 builds use the `wasm-release` profile, the native
# ones `release`. The site build spends most of its time linking each module alone (LTO, one
# codegen unit), and the tools' builds leave a core idle as often, so the native half mostly
# fills the other core. The wasm32 half's output is printed when it ends (a log beside the
# target directory meanwhile).
logs="$CARGO_TARGET_DIR/ci-logs"
mkdir -p "$logs"
fuzz_ready="$logs/fuzz-tool-ready"
rm -f "$fuzz_ready"
wasm_half() {
  timings=()
  stage "install cargo-fuzz (.ci/install fuzz; the native half's fuzz stage waits for it)"
  bash .ci/install fuzz
  touch "$fuzz_ready"
  # The page, the browser glue and the workers with training and WebGPU in one invocation; then
  # the CPU inference worker, whose engine has neither.
  stage "lint: clippy for wasm32 (page and workers, then the CPU inference worker)"
  cargo clippy --profile wasm-release --target wasm32-unknown-unknown -p latent-page -p latent-web \
    -p latent-workers --all-targets --features latent-workers/training,latent-workers/webgpu -- -D warnings
  cargo clippy --profile wasm-release --target wasm32-unknown-unknown -p latent-workers --bin inference-worker \
    -- -D warnings
  stage "install the site's tools (.ci/install tools: Trunk, wasm-bindgen, wasm-opt)"
  bash .ci/install tools
  stage "site build (wasm32, trunk --release)"
  trunk build --release
  end_stage
  printf '%s\n' "${timings[@]}" >"$logs/wasm-half-timings"
}
wasm_half >"$logs/wasm-half.log" 2>&1 &
wasm_pid=$!
wasm_start=$SECONDS
# A failing stage ends the wasm32 half too, with the cargo, rustc, trunk or install it runs.
end_tree() {
  local child
  for child in $(pgrep -P "$1"); do end_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap '[ -z "${wasm_pid:-}" ] || end_tree "$wasm_pid"' EXIT
# Waits for the wasm32 half, printing its output; fails with it.
wasm_half_done() {
  local status=0
  wait "$wasm_pid" || status=$?
  wasm_pid=""
  echo "== the wasm32 half's output (it ran beside the native stages; it took $((SECONDS - wasm_start)) s)"
  cat "$logs/wasm-half.log"
  [ "$status" = 0 ] || { echo "the wasm32 half failed (its output above)" >&2; exit 1; }
  while IFS= read -r line; do timings+=("$line   (beside the native stages)"); done <"$logs/wasm-half-timings"
}

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

stage "lint: clippy (native)"
cargo clippy --release --workspace --all-targets -- -D warnings

stage "waiting for cargo-fuzz (the wasm32 half installs it first)"
until [ -e "$fuzz_ready" ]; do
  kill -0 "$wasm_pid" 2>/dev/null || wasm_half_done
  sleep 2
done

stage "fuzz targets, a few seconds each (bash fuzz/run.sh runs them for 10 minutes)"
bash fuzz/run.sh 5

stage "waiting for the wasm32 half (wasm32 clippy, the site's tools, site build)"
wasm_half_done

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
