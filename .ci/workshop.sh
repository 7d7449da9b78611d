#!/usr/bin/env bash
# The workshop, proven both ways, as rustlings proves its exercises in CI:
# 1. with the starter files, every exercise's check FAILS (a check that
#    passes unsolved is a defect);
# 2. with the solutions copied over them (in a copy of the repository), every
#    check PASSES, and the solutions are fmt- and clippy-clean.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

fail() { echo "workshop: FAILED: $*" >&2; exit 1; }

if ! git diff --quiet HEAD -- workshop; then
  fail "workshop/ has local changes; CI checks the committed files (run it on a clean clone)"
fi

echo "workshop: the solutions are formatted"
rustfmt --edition 2024 --check workshop/solutions/*.rs

echo "workshop: every starter fails its check"
cargo build --quiet -p workshop --bins
for n in $(seq 1 10); do
  if out=$(target/debug/workshop-check "$n"); then
    echo "$out"
    fail "exercise $n passes with its starter file"
  fi
  line=$(grep -F "[not yet]" <<<"$out") || fail "exercise $n: no [not yet] line in: $out"
  echo "  $n:$line"
done
out=$(target/debug/workshop)
grep -q "^0 of 10 done" <<<"$out" || fail "the list does not say 0 of 10: $out"
grep -q "^Next: exercise 1, workshop/exercises/01_unary.rs" <<<"$out" || fail "the list does not name exercise 1"

echo "workshop: every solution passes its check (in a copy of the repository)"
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
git archive HEAD | tar -x -C "$copy"
cp workshop/solutions/*.rs "$copy/workshop/exercises/"
cp workshop/solutions/workshop.proto "$copy/workshop/proto/"
# The starters' allowance for unused parameters does not cover solutions.
sed -i.bak '/#\[allow(unused_variables, unused_mut, unused_imports, dead_code)\]/d' "$copy/workshop/src/lib.rs"
(
  cd "$copy"
  # The same target directory: only hello-proto and workshop are rebuilt.
  export CARGO_TARGET_DIR="$root/target"
  cargo clippy --quiet -p workshop --all-targets -- -D warnings
  cargo build --quiet -p workshop --bins
  for n in $(seq 1 10); do
    "$CARGO_TARGET_DIR/debug/workshop-check" "$n" >"$copy/check-$n.out" \
      || { cat "$copy/check-$n.out"; fail "exercise $n fails with its solution"; }
    echo "  $n: $(grep -c '\[ok\]' "$copy/check-$n.out") steps ok"
  done
  out=$("$CARGO_TARGET_DIR/debug/workshop")
  grep -q "^10 of 10 done" <<<"$out" || fail "the list does not say 10 of 10: $out"
  # The same checks as `cargo test` runs them: ignored no more.
  cargo test --quiet -p workshop -- --include-ignored --test-threads=1
)
echo "workshop: OK"
