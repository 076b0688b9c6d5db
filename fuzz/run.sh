#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 45) each, one after the other, under nice,
# after seeding the corpora from the project's fixtures (seed.py). Exits non-zero on the
# first crash, timeout (an input taking over 10 s) or out-of-memory (over 2 GiB); libFuzzer
# writes the input under fuzz/artifacts/<target>/. Needs cargo-fuzz (stable toolchain,
# `--sanitizer none`; see docs/reliability.md). Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-45}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(loader spec promql nrql workflow)
declare -A dict=([loader]=yaml [spec]=yaml [promql]=promql [nrql]=nrql [workflow]=shell)
python3 seed.py
cargo fetch --locked
nice -n 19 cargo fuzz build --dev --sanitizer none
mkdir -p logs
for t in "${targets[@]}"; do
  echo "== fuzz $t (${seconds}s)"
  status=0
  RAYON_NUM_THREADS=1 nice -n 19 cargo fuzz run --dev --sanitizer none "$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="dict/${dict[$t]}.dict" -print_final_stats=1 >"logs/$t.log" 2>&1 || status=$?
  grep -E '^(Done |stat::number_of_executed_units|stat::peak_rss_mb)' "logs/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "logs/$t.log"
    echo "fuzz target $t failed (exit $status); the input is under fuzz/artifacts/$t/" >&2
    exit "$status"
  fi
  echo "$t: corpus $(find "corpus/$t" -type f | wc -l) files"
done
