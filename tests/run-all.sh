#!/usr/bin/env bash
# Runs every test: the native suite (models, data, weights, shipped weights, CLI), then the
# site's release build and the browser tests in headless Chromium (WebGPU and CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"

echo "== native tests"
cargo test --release

echo "== site build (wasm32, trunk --release)"
trunk build --release

echo "== browser tests (headless Chromium)"
(cd tests/browser && LATENT_LAB_CLI="$CARGO_TARGET_DIR/release/latent-lab" npm test)
