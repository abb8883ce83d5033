#!/usr/bin/env bash
# Builds the live-analysis benchmark for wasm32 as the web modules are built (profile
# wasm-release, the workspace's wasm SIMD flags), binds it for Node and runs it:
#   bash src/wasm-bench/run.sh [rounds] [case]
# Results: README, "The live analysis against TF.js". Needs the wasm32 target and wasm-bindgen
# (.ci/install puts them there).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"
cargo build --profile wasm-release --target wasm32-unknown-unknown -p wasm-bench
pkg="$CARGO_TARGET_DIR/wasm-bench-pkg"
wasm-bindgen --target nodejs --out-dir "$pkg" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/wasm_bench.wasm"
node src/wasm-bench/run.mjs "$pkg" "$@"
