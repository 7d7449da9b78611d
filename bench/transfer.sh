#!/usr/bin/env bash
# The flow-control topic's transfer beside grpc-go's: the same download
# (topics.Transfer/Download, a generated file in 64 KiB chunks, FNV-1a
# checked) from our server and from bench/peers/go, each behind the fault
# proxy with 50 ms of latency each way, fetched by the same client
# (topics/flow-control's, release build). Prints MB/s for each server, for
# each client window (tonic's default, adaptive).
#
#   bash bench/transfer.sh [SIZE_MIB]      default 256; 1024 for the 1 GiB
#
# Needs Go and Debian's golang-google-grpc-dev (as bench/compare.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
size_mib=${1:-256}
target=${CARGO_TARGET_DIR:-$PWD/target}
bin="$target/release"
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

build_go_peer "$target/transfer-go" || { echo "transfer: grpc-go cannot be built (golang-go, golang-google-grpc-dev)" >&2; exit 1; }
cargo build --quiet --release -p flow-control -p fault-proxy --bins

"$bin/server" --addr 127.0.0.1:18941 >/dev/null 2>&1 & pids+=($!)
"$target/transfer-go" --addr 127.0.0.1:18942 >/dev/null 2>&1 & pids+=($!)
"$bin/fault-proxy" --listen 127.0.0.1:19941 --to 127.0.0.1:18941 --latency-ms 50 --seed 1 >/dev/null & pids+=($!)
"$bin/fault-proxy" --listen 127.0.0.1:19942 --to 127.0.0.1:18942 --latency-ms 50 --seed 1 >/dev/null & pids+=($!)
for port in 18941 18942 19941 19942; do wait_for_port "$port"; done

echo "transfer: $size_mib MiB through 50 ms each way (100 ms round trip), $(nproc) cores"
for windows in "" "--adaptive"; do
  for peer in "tonic 19941" "grpc-go 19942"; do
    set -- $peer
    line=$("$bin/client" --addr "127.0.0.1:$2" --size-mib "$size_mib" $windows | grep '^received')
    echo "$1 server, client windows ${windows:-default}: ${line#received }"
  done
done
