#!/usr/bin/env bash
# Memory per open stream, at 10,000 and at 100,000 streams: our bidi server
# (the bidi-streaming lesson's, release build) and grpc-go
# (bench/peers/go), each started afresh for each count. Load: COUNT/10,000
# client processes of `bench chat --hold`, each with 10 connections x 1,000
# chats (our servers allow 1,024 streams per connection); each chat makes
# one round trip, then stays open, idle, until the run ends, so that all
# COUNT streams are open at once. Resident memory at rest (VmRSS) before,
# and its peak (VmHWM) after: per open stream, (peak - rest) / COUNT. One
# command:
#
#   bash bench/streams.sh     # COUNTS="10000 100000"
#
# Each run lasts 20 s plus 1 s per 5,000 streams (SECONDS_PER_RUN sets it),
# time enough for every chat to open before the first one closes.
#
# grpc-go is built as bench/compare.sh builds it (Debian's golang-go and
# golang-google-grpc-dev, installed there); Node's server runs where
# bench/compare.sh has installed its packages, at 10,000 streams only. A
# peer that is missing is skipped, with a line saying so. Writes the table
# to target/bench-results/streams.md (and the figures, tab-separated, to
# target/bench-results/streams/memory.tsv, for `bench report`) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
counts=${COUNTS:-"10000 100000"}
target=${CARGO_TARGET_DIR:-$PWD/target}
results="$PWD/target/bench-results/streams"
export RUST_LOG=error
rm -rf "$results"; mkdir -p "$results/bin"

echo "streams: building (release)"
cargo build --quiet --release -p bench -p bidi-streaming
cp "$target/release/server" "$results/bin/ours"
servers=(ours)
if build_go_peer "$results/bin/go"; then
  servers+=(go)
else
  echo "streams: skipping grpc-go: it needs Debian's golang-go and golang-google-grpc-dev (apt-get install golang-go golang-google-grpc-dev; bench/compare.sh installs them)"
fi
if [ -d bench/peers/node/node_modules/@grpc/grpc-js ] && command -v node >/dev/null; then
  servers+=(node)
else
  echo "streams: skipping Node: its packages are not installed (run: (cd bench/peers/node && npm ci))"
fi
# command_of SERVER: how to start it (each takes --addr after this).
command_of() {
  case $1 in
    node) echo node bench/peers/node/server.js ;;
    *) echo "$results/bin/$1" ;;
  esac
}

port=18870
kib() { awk -v k="$1" '/^Vm/ && $1 == k ":" { print $2 }' "/proc/$2/status"; }
echo "| server | open streams | client processes | at rest (MiB) | peak (MiB) | per open stream (KiB) | chats opened, failed |" >"$results/../streams.md"
echo "|---|---:|---:|---:|---:|---:|---|" >>"$results/../streams.md"
for count in $counts; do
  processes=$(( (count + 9999) / 10000 ))
  seconds=${SECONDS_PER_RUN:-$(( 20 + count / 5000 ))}
  for server in "${servers[@]}"; do
    [ "$server" != node ] || [ "$count" -le 10000 ] || continue
    $(command_of "$server") --addr "127.0.0.1:$port" 2>>"$results/servers.log" &
    pid=$!
    wait_for_port "$port"
    sleep 1
    rest=$(kib VmRSS "$pid")
    for i in $(seq "$processes"); do
      "$target/release/bench" chat --hold --addr "127.0.0.1:$port" --connections 10 --in-flight 1000 \
        --duration-s "$seconds" >"$results/$server-$count-$i.txt" 2>&1 &
    done
    wait $(jobs -p | grep -vx "$pid")
    peak=$(kib VmHWM "$pid")
    kill -TERM "$pid"; wait "$pid" || true
    # Every chat makes exactly one round trip: fewer means some never opened.
    trips=$(cat "$results/$server-$count-"*.txt | awk '$1 == "chat" { n += $6 } END { print n + 0 }')
    failed=$(cat "$results/$server-$count-"*.txt | awk '/calls failed/ { n += $1 } END { print n + 0 }')
    awk -v s="$server" -v c="$count" -v p="$processes" -v r="$rest" -v k="$peak" -v t="$trips" -v f="$failed" \
      'BEGIN { printf "| %s | %\047d | %d | %.1f | %.1f | %.1f | %\047d, %d failed |\n", s, c, p, r / 1024, k / 1024, (k - r) / c, t, f }' \
      >>"$results/../streams.md"
    if [ "$trips" != "$count" ] || [ "$failed" != 0 ]; then
      echo "streams: $server: $trips of $count chats opened, $failed failed: its figure is not for $count open streams" >&2
    fi
    printf '%s\t%s\t%s\t%s\n' "$server" "$rest" "$peak" "$count" >>"$results/memory.tsv"
    echo "streams: $server held $count streams"
  done
done
cat "$results/../streams.md"
