#!/usr/bin/env bash
# Runs every test: the native suite (models, data, weights, shipped weights, CLI) and a build of
# the library for the browser's target.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"

echo "== library for wasm32-unknown-unknown"
cargo check --release --lib --target wasm32-unknown-unknown

echo "== native tests"
cargo test --release
