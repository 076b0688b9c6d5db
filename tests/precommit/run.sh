#!/usr/bin/env bash
# Proves the pre-commit hooks with the real client: `pre-commit try-repo` this project against a
# scratch git repo holding a clean canary repo (must pass) and a broken one (must fail and print
# file:line:col). Needs `pre-commit` (PyPI) and cargo on PATH.
set -euo pipefail
project=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
# try-repo installs the hook environment afresh each time (`cargo install --path .`); a shared
# target directory makes every install after the first one a no-op build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$work/target}"

scratch() {  # scratch NAME: a committed git repo at $work/NAME from the files already there
  (cd "$work/$1" && git init -q && git add -A \
    && git -c user.name=ci -c user.email=ci@example.invalid commit -qm fixture)
}
expect() {  # expect pass|fail NAME HOOK [PATTERN]
  local want=$1 repo=$2 hook=$3 pattern=${4:-}
  set +e
  out=$(cd "$work/$repo" && pre-commit try-repo "$project" "$hook" --all-files 2>&1)
  rc=$?
  set -e
  echo "--- $hook on $repo: exit $rc"
  echo "$out" | tail -n 25
  if [ "$want" = pass ] && [ $rc -ne 0 ]; then echo "FAIL: $hook should pass on $repo"; exit 1; fi
  if [ "$want" = fail ] && [ $rc -eq 0 ]; then echo "FAIL: $hook should fail on $repo"; exit 1; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" <<<"$out"; then
    echo "FAIL: $hook on $repo did not print /$pattern/"; exit 1
  fi
}

# canary-lint: the clean seed-like repo passes; a repo with a case-typo'd scaleDown fails at its line.
mkdir -p "$work/clean-lint" "$work/broken-lint"
cp -R "$project/fixtures/lint/clean-seed/." "$work/clean-lint/"
cp -R "$project/fixtures/lint/CL104/bad/." "$work/broken-lint/"
scratch clean-lint
scratch broken-lint
expect pass clean-lint canary-lint
expect fail broken-lint canary-lint 'k8s/rollout\.yaml:[0-9]+:[0-9]+'

# canary-gen-check: a fresh render of canary.yaml passes; a hand-edited generated file fails
# and the diff is shown.
mkdir -p "$work/clean-gen" "$work/broken-gen"
cargo run --quiet --release --manifest-path "$project/Cargo.toml" --bin canary-gen -- init > "$work/clean-gen/canary.yaml"
cargo run --quiet --release --manifest-path "$project/Cargo.toml" --bin canary-gen -- render --config "$work/clean-gen/canary.yaml" --out-dir "$work/clean-gen" 2>/dev/null
cp -R "$work/clean-gen/." "$work/broken-gen/"
# The generated deploy step's path comes from the spec's `layout.ci`; find it rather than assume it.
wf=$(grep -rl --include='*.yml' -e '--timeout=1740s' "$work/broken-gen" | head -n 1)
if [ -z "$wf" ]; then echo "FAIL: no rendered workflow holds --timeout=1740s"; exit 1; fi
sed -i 's/--timeout=1740s/--timeout=300s/' "$wf"
scratch clean-gen
scratch broken-gen
expect pass clean-gen canary-gen-check
expect fail broken-gen canary-gen-check '^[-+].*--timeout=(300|1740)s'
echo "pre-commit: 4 passed, 0 failed"
