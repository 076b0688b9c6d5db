#!/usr/bin/env bash
# Benchmarks for the README: render on the default spec, and lint of a generated monorepo of
# ~10,000 resources (full lint vs parse only, peak memory) and of the seed-size repo.
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
# The binaries belong to the root package (`canary-toolkit`); the libraries (`canary-core`,
# `canary-gen`, `canary-lint`) have none, so building them alone would time stale binaries.
cargo build --release -p canary-toolkit --bins
target=${CARGO_TARGET_DIR:-target}
gen=$target/release/canary-gen
lint=$target/release/canary-lint
repo=${BENCH_REPO:-/tmp/canary-bench-monorepo}

echo "== machine"
nproc; grep -m1 'model name' /proc/cpuinfo || true; free -h | head -2

echo "== canary-gen render (default spec, process start included)"
# The built-in default skips the per-run JSON Schema check (a test checks it); the same spec
# read from a file (`--config templates/canary.yaml`) is schema-checked on every run.
hyperfine -N --warmup 20 --runs 500 --export-json /tmp/canary-bench-render.json \
  "$gen render" "$gen render --config templates/canary.yaml" \
  "$gen render --provider newrelic --traffic nginx --stable-ingress api" "$gen --version"
python3 - <<'PY'
import json
for r in json.load(open("/tmp/canary-bench-render.json"))["results"]:
    print(f"median {r['median']*1000:.2f} ms  mean {r['mean']*1000:.2f} ms  {r['command']}")
PY

echo "== generate the monorepo"
docs=$(python3 bench/gen_monorepo.py --apps "${BENCH_APPS:-715}" --out "$repo" --canary-gen "$gen")
files=$(find "$repo" -type f | wc -l)
echo "$docs documents in $files files"
"$lint" "$repo" | tail -1
# Let the writeback of the freshly generated files finish: it competes for both vCPUs.
sync
sleep 5

echo "== canary-lint: parse only vs full lint"
hyperfine -N --warmup 3 --runs 20 --export-json /tmp/canary-bench.json \
  "$lint --parse-only --format json $repo" "$lint --format json $repo"
python3 - "$docs" <<'PY'
import json, sys
docs = int(sys.argv[1])
r = json.load(open("/tmp/canary-bench.json"))["results"]
parse, full = r[0]["median"], r[1]["median"]
print(f"medians: parse only: {parse*1000:.0f} ms ({docs/parse:,.0f} resources/s)")
print(f"full lint:  {full*1000:.0f} ms ({docs/full:,.0f} resources/s), {full/parse:.2f}x parse-only")
PY

echo "== peak memory (full lint)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall" "$lint" --format json "$repo" > /dev/null

echo "== seed-size repo (fixtures/lint/clean-seed), process start included"
hyperfine -N --warmup 20 --runs 300 "$lint fixtures/lint/clean-seed"
