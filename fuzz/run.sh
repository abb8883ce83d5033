#!/usr/bin/env bash
# Fuzzes every reader of what a person or a message hands latent-lab, with cargo fuzz (libFuzzer).
#   bash fuzz/run.sh                 each target for 10 minutes
#   bash fuzz/run.sh 5               each for 5 seconds (CI: the targets keep building and running)
#   bash fuzz/run.sh 600 pth idx     some targets
# Needs the nightly toolchain and cargo-fuzz (.ci/install installs cargo-fuzz). Corpora grow in
# fuzz/corpus/<target> (ignored), seeded from the project's real files (fuzz/seeds/, made here,
# ignored); a fault's input lands in fuzz/artifacts/<target>/: fix it, then keep the input in
# tests/fuzz-regressions/<target>/ (the normal test suite replays them). Limits: 1 s an input
# (a hang), 64 MB for one allocation, 2 GB in all.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx weights pth preprocess message)
main_target="${CARGO_TARGET_DIR:-$HOME/.cache/latent-lab/target}"
fuzz_target="${FUZZ_TARGET_DIR:-$HOME/.cache/latent-lab/fuzz-target}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain on this machine (cargo fuzz needs one)" >&2
  exit 1
fi

# Seeds from the real files.
rm -rf seeds && mkdir -p seeds/{idx,weights,pth,preprocess,message}
python3 make_seeds.py ..
cp ../pretrained/ae.llw ../tests/fixtures/seed-pytorch/sim_autoencoder.pth seeds/weights/
cp ../tests/fixtures/seed-pytorch/sim_autoencoder.pth seeds/pth/
(cd .. && CARGO_TARGET_DIR="$main_target" LATENT_LAB_FUZZ_SEEDS="$PWD/fuzz/seeds/message" \
  cargo test --release -p latent-core --test fuzz_regressions -- --quiet the_page_s_requests >/dev/null)

CARGO_TARGET_DIR="$fuzz_target" cargo +nightly fuzz build -a
mkdir -p logs
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== fuzz $target for ${seconds} s"
  status=0
  CARGO_TARGET_DIR="$fuzz_target" cargo +nightly fuzz run -a "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=1 -malloc_limit_mb=64 -rss_limit_mb=2048 -max_len=1000000 \
    -print_final_stats=1 >"logs/$target.log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done' "logs/$target.log" || true
  # libFuzzer exits non-zero on a fault (panic, hang, allocation over the limit, leak) and
  # leaves its input in fuzz/artifacts/<target>/.
  if [ "$status" -ne 0 ]; then
    tail -40 "logs/$target.log"
    echo "fuzz $target: a fault (exit $status); its input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
