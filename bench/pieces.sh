#!/usr/bin/env bash
# What each piece of our plumbing costs a unary call, counted in CPU
# instructions: the bare tonic server (`bench bare-server`) alone, then
# with each piece added on its own (`--with PIECE`), with all five, and our
# unary server. Each runs under valgrind's callgrind, which counts the
# instructions the server executes (user space: the kernel's share of a
# call is not in it); h2load sends 2,000 calls to warm up, the count is
# zeroed, then 20,000 calls (16 connections x 32 streams) are counted.
#
# Why instructions and not seconds: on a shared 2-core machine the CPU
# seconds per call of one and the same server differ by up to 30% from one
# run to the next, more than any piece costs. The instruction count of a
# run repeats to within 0.1%. One command, from anywhere:
#
#   bash bench/pieces.sh        # SERVERS="bare call-layer" for only those
#
# Writes the table to target/bench-results/pieces.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
calls=${CALLS:-20000}
target=${CARGO_TARGET_DIR:-$PWD/target}
results="$PWD/target/bench-results/pieces"
export RUST_LOG=warn
for tool in h2load:nghttp2-client valgrind:valgrind; do
  if ! command -v "${tool%%:*}" >/dev/null && command -v apt-get >/dev/null; then
    echo "pieces: installing ${tool#*:} (apt-get)"
    apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${tool#*:}" >/dev/null 2>&1; } || true
  fi
  command -v "${tool%%:*}" >/dev/null \
    || { echo "pieces: ${tool%%:*} is needed: apt-get install ${tool#*:} (Debian and Ubuntu)" >&2; exit 1; }
done
rm -rf "$results"; mkdir -p "$results"

echo "pieces: building (release)"
cargo build --quiet --release -p bench -p unary
bench=$target/release/bench
hello_request "$results/hello-request.bin"
# say_hello PORT CALLS: that many calls, 16 connections x 32 streams.
say_hello() { h2load_say_hello "$1" "$results/hello-request.bin" -n "$2"; }

# instructions LABEL PORT COMMAND...: the instructions per call of one server.
instructions() {
  local label=$1 port=$2 pid dump
  valgrind --tool=callgrind --callgrind-out-file="$results/$label.%p" "${@:3}" --addr "127.0.0.1:$port" \
    2>"$results/$label.log" &
  pid=$!
  wait_for_port "$port"
  say_hello "$port" 2000 >/dev/null
  callgrind_control --zero "$pid" >/dev/null 2>&1
  say_hello "$port" "$calls" >"$results/$label.h2load"
  grep -q "$calls succeeded" "$results/$label.h2load" || { echo "pieces: $label failed calls" >&2; exit 1; }
  callgrind_control --dump "$pid" >/dev/null 2>&1
  kill -TERM "$pid"; wait "$pid" || true
  # The dump after zeroing is the numbered one; its totals line counts them.
  dump=$(ls "$results/$label.$pid".* | head -n 1)
  awk -v n="$calls" '/^(summary|totals):/ { printf "%.0f", $2 / n; exit }' "$dump"
}

read -r -a labels <<<"${SERVERS:-bare call-layer limits keepalive token-check health-reflection all-five ours}"
{
  echo "| server | instructions per call | against bare tonic |"
  echo "|---|---:|---:|"
} >"$results/../pieces.md"
port=18850
bare=
for label in "${labels[@]}"; do
  case $label in
    bare) command=("$bench" bare-server) name="bare tonic" ;;
    all-five) command=("$bench" bare-server --with call-layer --with limits --with keepalive \
      --with token-check --with health-reflection) name="bare + all five pieces" ;;
    ours) command=("$target/release/server") name="ours (the unary lesson's server)" ;;
    *) command=("$bench" bare-server --with "$label") name="bare + $label" ;;
  esac
  echo "pieces: $name"
  count=$(instructions "$label" "$port" "${command[@]}")
  [ "$label" = bare ] && bare=$count
  awk -v n="$name" -v c="$count" -v b="${bare:-0}" 'BEGIN {
    printf "| %s | %d | %s |\n", n, c, (b > 0 ? sprintf("%+d (%+.1f%%)", c - b, (c / b - 1) * 100) : "") }' \
    >>"$results/../pieces.md"
  port=$((port + 1))
done
cat "$results/../pieces.md"
