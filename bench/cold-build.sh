#!/usr/bin/env bash
# The student's first build, against a yardstick. Times the cold build of
#
#   cargo build -p unary --bin server      (what `cargo run` compiles first)
#
# and of bench/minimal-hello, the smallest tonic hello-world (tonic, prost,
# tokio, tonic-prost-build and protox, with this workspace's Cargo.lock, so
# every crate is the same version), both the same way: crates downloaded
# beforehand (`cargo fetch`), an empty target/ each time, the debug profile.
# The runs are interleaved (ours, the yardstick, ours...) so a slow moment
# of the machine falls on both, and the median of each is reported with the
# ratio. One command, from anywhere:
#
#   bash bench/cold-build.sh       # RUNS=3 by default; CI runs it with RUNS=1
#
# It prints one line for each build and one for the ratio, and writes them
# as a table to target/bench-results/cold-build.md (bench/compare.sh puts
# that in BENCHMARKS.md; the two medians also go to cold-build.tsv, for
# the goals table). TIMINGS=1 also keeps cargo's --timings report of
# each build in target/bench-results/ (which crate took how long, and what
# waited for it). Nothing here fails on a slow build: a time is reported,
# never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
results="$PWD/target/bench-results"
mkdir -p "$results"

# A build as a student's laptop does it: none of CI's settings.
unset CARGO_INCREMENTAL RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_TARGET_DIR

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The yardstick, copied beside the proto it compiles, with our versions.
mkdir -p "$work/tree/bench"
cp -r bench/minimal-hello "$work/tree/bench/"
cp -r proto "$work/tree/"
cp Cargo.lock "$work/tree/bench/minimal-hello/"
rm -rf "$work/tree/bench/minimal-hello/target"

# Downloads are not part of the figure: fetch both first (cargo drops the
# lock file's entries the yardstick does not use and keeps the versions).
cargo fetch --quiet
(cd "$work/tree/bench/minimal-hello" && cargo fetch --quiet)
version_of() { cargo tree --quiet --depth 0 -e no-dev -i "$1" 2>/dev/null | sed -n '1s/^[^ ]* v//p'; }
for crate in tonic prost tokio protox; do
  ours=$(version_of "$crate")
  theirs=$(cd "$work/tree/bench/minimal-hello" && version_of "$crate")
  if [ "$ours" != "$theirs" ]; then
    echo "cold-build: $crate is $ours here but $theirs in the yardstick: the comparison would not be fair" >&2
    exit 1
  fi
done

# seconds <dir> <what> <cargo args...>: one cold build; prints its wall
# time and the CPU time of all its compiler processes, in seconds. On 2
# cores the wall time is what a student waits; the CPU time moves less
# from run to run, so a trim shows in it first.
seconds() {
  local dir=$1 what=$2 times
  shift 2
  rm -rf "$work/target"
  times=$( { TIMEFORMAT='%R %U %S'; time (cd "$dir" && CARGO_TARGET_DIR="$work/target" \
    cargo build --quiet "$@" ${TIMINGS:+--timings} >&2); } 2>&1 | tail -n 1)
  if [ -n "${TIMINGS:-}" ]; then
    cp "$work"/target/cargo-timings/cargo-timing.html "$results/cold-build-$what.html"
  fi
  awk '{ printf "%.1f %.1f", $1, $2 + $3 }' <<<"$times"
}

ours=() ours_cpu=() minimal=() minimal_cpu=()
for run in $(seq "$runs"); do
  times=$(seconds . ours -p unary --bin server)
  read -r wall cpu <<<"$times"; ours+=("$wall"); ours_cpu+=("$cpu")
  times=$(seconds "$work/tree/bench/minimal-hello" minimal)
  read -r wall cpu <<<"$times"; minimal+=("$wall"); minimal_cpu+=("$cpu")
  echo "cold-build: run $run of $runs: ours ${ours[-1]} s (CPU ${ours_cpu[-1]} s), minimal tonic hello-world ${minimal[-1]} s (CPU ${minimal_cpu[-1]} s)"
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ours_s=$(median "${ours[@]}")
minimal_s=$(median "${minimal[@]}")
ours_cpu_s=$(median "${ours_cpu[@]}")
minimal_cpu_s=$(median "${minimal_cpu[@]}")
ratio=$(awk -v a="$ours_s" -v b="$minimal_s" 'BEGIN { printf "%.2f", a / b }')
cpu_ratio=$(awk -v a="$ours_cpu_s" -v b="$minimal_cpu_s" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.3) ? "met" : "missed" }')

{
  echo "| cold build (median of $runs) | wall seconds | CPU seconds |"
  echo "|---|---:|---:|"
  echo "| \`cargo build -p unary --bin server\` | $ours_s | $ours_cpu_s |"
  echo "| minimal tonic hello-world (\`bench/minimal-hello\`) | $minimal_s | $minimal_cpu_s |"
  echo "| ours / minimal (goal: wall ≤ 1.3×) | **${ratio}×** ($verdict) | ${cpu_ratio}× |"
} >"$results/cold-build.md"
printf 'ours\t%s\nminimal\t%s\n' "$ours_s" "$minimal_s" >"$results/cold-build.tsv"
echo "cold-build: ours ${ours_s} s, minimal tonic hello-world ${minimal_s} s (median of $runs): ${ratio}x (CPU: ${cpu_ratio}x), goal <= 1.3x: $verdict"
