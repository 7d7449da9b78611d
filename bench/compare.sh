#!/usr/bin/env bash
# Side by side, on this machine: the note's Python server, our unary server
# and a bare tonic server under the same load, then our four kinds; writes
# BENCHMARKS.md and bench/*.svg. One command, from anywhere:
#
#   bash bench/compare.sh
#
# RUNS (default 3), SECONDS_PER_RUN (default 5) and LEVELS (calls at once,
# default "1 4 16 64") change the amount of work. Servers log at `warn`:
# per-call logging is for the lesson, not for measuring.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-5}
levels=${LEVELS:-"1 4 16 64"}
results="$PWD/target/bench-results"
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

# cpu_seconds PID: the user and system CPU time a process has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# where_cpu_goes LABEL: one more 5 s run of 64 unary calls at once, noting
# the CPU time the server and the load generator each used.
where_cpu_goes() {
  local before after generator
  before=$(cpu_seconds "$server_pid")
  generator=$( { TIMEFORMAT='%U %S'; time "$bench" unary --addr "127.0.0.1:$port" --connections 4 \
    --in-flight 16 --duration-s 5 >/dev/null; } 2>&1 | awk '{ printf "%.1f", $1 + $2 }')
  after=$(cpu_seconds "$server_pid")
  echo "| $1 | $(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", a - b }') | $generator |" >>"$results/cpu.md"
}

# The Python side: the same venv and stubs as interop/run.sh.
source interop/python-env.sh

echo "compare: building (release)"
cargo build --quiet --release -p bench
bench=target/release/bench
rm -rf "$results"; mkdir -p "$results"

# measure LABEL CALL [bench flags]: every level, $runs times each.
measure() {
  local label=$1 call=$2
  for level in ${LEVELS_NOW:-$levels}; do
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
where_cpu_goes "the note's Python server"
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
  if [ "$crate" = unary ]; then
    where_cpu_goes "our unary server"
    # What a token and TLS cost: the same server with each, 16 calls at once.
    for extra in token tls; do
      stop_server
      case $extra in
        token) flags=(--token bench-secret) ;;
        tls) flags=(--tls) ;;
      esac
      cargo run --quiet --release -p unary --bin server -- --addr "127.0.0.1:$port" "${flags[@]}" &
      server_pid=$!; wait_for_port $port
      LEVELS_NOW=16 measure "ours-$extra" unary "${flags[@]}"
    done
  fi
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

# What a student pays for all this: a cold build, into an empty target/.
cold_build() {
  local dir start end
  dir=$(mktemp -d)
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$dir" cargo build --quiet "$@" 2>/dev/null
  end=$(date +%s.%N)
  echo "| \`cargo build $*\` | $(awk -v a="$end" -v b="$start" 'BEGIN { printf "%.0f s", a - b }') | $(du -sm "$dir" | cut -f1) MB |"
  rm -rf "$dir"
}
if [ "${COLD_BUILD:-1}" = 1 ]; then
  echo "compare: cold builds (set COLD_BUILD=0 to skip)"
  cargo fetch --quiet
  {
    echo "| what | time | target/ after |"
    echo "|---|---:|---:|"
    cold_build -p unary --bin server
    cold_build --workspace
  } >"$results/build.md"
fi

{
  echo "## Where the CPU goes"
  echo
  echo "One more 5 s run of 64 unary calls at once, with the CPU seconds each process used"
  echo "($cores cores: $(( cores * 5 )) CPU seconds in all). The load generator needs CPU too, and on a"
  echo "small machine it takes it from the server: the ratio to Python grows with cores."
  echo
  echo "| server | server CPU s | load generator CPU s |"
  echo "|---|---:|---:|"
  cat "$results/cpu.md"
  echo
  if [ -f "$results/build.md" ]; then
    echo "## The student's cost: a cold build"
    echo
    echo "Crates already downloaded (\`cargo fetch\`), empty \`target/\`, debug profile."
    echo
    cat "$results/build.md"
    echo
    cat bench/build-notes.md
    echo
  fi
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
