#!/usr/bin/env bash
# Side by side, on this machine: the note's Python server, our unary server
# and a bare tonic server under the same load, then our four kinds; writes
# BENCHMARKS.md and bench/*.svg. One command, from anywhere:
#
#   bash bench/compare.sh
#
# RUNS (default 3), SECONDS (per run, default 5) and LEVELS (calls at once,
# default "1 4 16 64") change the amount of work. Servers log at `warn`:
# per-call logging is for the lesson, not for measuring.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-5}
levels=${LEVELS:-"1 4 16 64"}
results="$PWD/target/bench-results"
venv="$PWD/target/interop-venv"
gen="$PWD/target/interop-py"
port=18800
server_pid=
export RUST_LOG=warn

cleanup() { [ -z "$server_pid" ] || kill -TERM "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; exit 1
}

stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
}

# The Python side: the same venv and stubs as interop/run.sh.
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools
mkdir -p "$gen"
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$gen" --grpc_python_out="$gen" proto/hello.proto
cp interop/*.py "$gen"/

echo "compare: building (release)"
cargo build --quiet --release -p bench
bench=target/release/bench
rm -rf "$results"; mkdir -p "$results"

# measure LABEL CALL [bench flags]: every level, $runs times each.
measure() {
  local label=$1 call=$2
  for level in $levels; do
    local connections=$(( level < 4 ? level : 4 ))
    local in_flight=$(( level / connections ))
    for run in $(seq "$runs"); do
      "$bench" "$call" --addr "127.0.0.1:$port" --connections "$connections" --in-flight "$in_flight" \
        --duration-s "$seconds" --label "$label" "${@:3}" \
        --json "$results/$label-$call-$level-$run.json"
    done
  done
}

echo "compare: the note's Python server (all_kinds_server.py is the note's server plus the streaming methods)"
(cd "$gen" && exec "$venv/bin/python" all_kinds_server.py "127.0.0.1:$port") &
server_pid=$!; wait_for_port $port
measure python unary
stop_server

echo "compare: a bare tonic server"
"$bench" bare-server --addr "127.0.0.1:$port" &
server_pid=$!; wait_for_port $port
measure bare unary
stop_server

for crate in unary server-streaming client-streaming bidi-streaming; do
  case $crate in
    unary) call=unary ;; server-streaming) call=server-stream ;;
    client-streaming) call=client-stream ;; bidi-streaming) call=chat ;;
  esac
  echo "compare: our $crate server"
  cargo build --quiet --release -p "$crate" --bin server
  cargo run --quiet --release -p "$crate" --bin server -- --addr "127.0.0.1:$port" &
  server_pid=$!; wait_for_port $port
  measure ours "$call" --count 1000
  if [ "$crate" = bidi-streaming ]; then
    echo "compare: 10,000 chats at once, held by one server"
    "$bench" chat --addr "127.0.0.1:$port" --connections 10 --in-flight 1000 --duration-s 5 --label memory \
      >"$results/memory.txt"
    peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
    cat "$results/memory.txt"
  fi
  stop_server
done

cores=$(nproc)
{
  echo "## 10,000 chats at once"
  echo
  echo "One \`bidi-streaming\` server held 10,000 concurrent chats (10 connections × 1,000 streams, ping-pong for 5 s):"
  echo "its peak resident memory was **$(( peak_kib / 1024 )) MiB**."
  echo
  echo '```text'
  cat "$results/memory.txt"
  echo '```'
  echo
} >"$results/notes.md"
{
  echo "## How these figures were made"
  echo
  echo '```sh'
  echo "bash bench/compare.sh    # RUNS=$runs SECONDS_PER_RUN=$seconds LEVELS=\"$levels\""
  echo '```'
  echo
  echo "For each level L of calls at once: min(L, 4) connections × L/min(L, 4) calls in flight on each,"
  echo "$seconds s per run, $runs runs, e.g.:"
  echo
  echo '```sh'
  echo "cargo run --release -p bench -- unary --addr 127.0.0.1:$port --connections 4 --in-flight 16 --duration-s $seconds"
  echo '```'
  echo
  echo "Servers: \`interop/all_kinds_server.py\` (grpcio, the note's ThreadPoolExecutor(max_workers=10)),"
  echo "\`cargo run --release -p bench -- bare-server\`, and our four \`cargo run --release -p <crate> --bin server\`,"
  echo "each with \`RUST_LOG=warn\`. Load generator and server share the $cores cores."
} >"$results/commands.md"

"$bench" report --results "$results" --out BENCHMARKS.md
