#!/usr/bin/env bash
# Side by side, on this machine, in one run: our servers, a bare tonic
# server, the note's Python server, and the peers people pick instead
# (grpc-go and Node's @grpc/grpc-js, in bench/peers/), under our load
# generator and under h2load (an independent HTTP/2 load tool); then a
# cold build. Writes BENCHMARKS.md and bench/*.svg. One command, from
# anywhere:
#
#   bash bench/compare.sh
#
# RUNS (default 3), SECONDS_PER_RUN (default 5), LEVELS (calls at once,
# default "1 16 64") and COLD_BUILD=0 (skip the cold builds) change the
# amount of work. Every server runs for the whole measurement, each on a
# port of its own, and the runs are interleaved (run 1 of every server at
# every level, then run 2...), so that a slow moment of the machine falls
# on all of them alike. Servers log at `warn`: per-call logging is for the
# lesson, not for measuring.
#
# What it installs when missing: Debian's golang-go, golang-google-grpc-dev
# and nghttp2-client (apt-get), the Node server's packages (npm ci), and
# the Python venv (pip, through interop/python-env.sh). A peer that cannot
# be installed is skipped, with a line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-5}
levels=${LEVELS:-"1 16 64"}
target=${CARGO_TARGET_DIR:-$PWD/target}
results="$PWD/target/bench-results"
export RUST_LOG=warn
source bench/lib.sh

declare -A port pid   # by label: the port of each server started, and its process
cleanup() {
  for label in "${!pid[@]}"; do kill -TERM "${pid[$label]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start LABEL PORT COMMAND...: runs a server in the background on PORT; what
# it logs goes to servers.log (ours warn once per chat cut short at the end
# of a run).
start() {
  local label=$1 p=$2
  "${@:3}" 2>>"$results/servers.log" &
  pid[$label]=$!; port[$label]=$p
  wait_for_port "$p"
}

stop() { kill -TERM "${pid[$1]}"; wait "${pid[$1]}" || true; unset "pid[$1]"; }

# What is installed, and what is skipped.
have_go=1 have_node=1 have_h2load=1
apt_install() {
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || return 1
  apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; }
}
if ! { command -v go >/dev/null && [ -d /usr/share/gocode/src/google.golang.org/grpc ]; }; then
  echo "compare: installing golang-go and golang-google-grpc-dev"
  apt_install golang-go golang-google-grpc-dev || true
fi
if ! command -v h2load >/dev/null; then
  echo "compare: installing nghttp2-client (h2load)"
  apt_install nghttp2-client || true
fi
command -v h2load >/dev/null || { have_h2load=0; echo "compare: skipping h2load: nghttp2-client cannot be installed"; }

rm -rf "$results"; mkdir -p "$results/bin"

# grpc-go, from Debian's packages in GOPATH mode: nothing is downloaded.
if build_go_peer "$results/bin/hello-go"; then
  echo "compare: grpc-go $(sed -n 's/^const Version = "\(.*\)"/\1/p' /usr/share/gocode/src/google.golang.org/grpc/version.go) server built ($(go version | cut -d' ' -f3))"
else
  have_go=0; echo "compare: skipping grpc-go: golang-go and golang-google-grpc-dev cannot be installed or built"
fi

# Node: the lockfile's versions of @grpc/grpc-js and @grpc/proto-loader.
if command -v npm >/dev/null && (cd bench/peers/node && npm ci --no-audit --no-fund --silent >/dev/null 2>&1); then
  echo "compare: @grpc/grpc-js $(node -p 'require("./bench/peers/node/node_modules/@grpc/grpc-js/package.json").version') on Node $(node --version)"
else
  have_node=0; echo "compare: skipping Node: node and npm are needed (Debian's nodejs and npm), and npm ci failed"
fi

# The Python side: the same venv and stubs as interop/run.sh.
source interop/python-env.sh

echo "compare: building (release)"
cargo build --quiet --release -p bench
bench=$target/release/bench
# Every lesson's binary is called `server`: a copy of each, to run them all at once.
for crate in unary server-streaming client-streaming bidi-streaming; do
  cargo build --quiet --release -p "$crate" --bin server
  cp "$target/release/server" "$results/bin/$crate"
done
certs=$results/certs

base=18800
echo "compare: starting the servers"
start python $((base + 0)) bash -c "cd '$gen' && exec '$venv/bin/python' all_kinds_server.py 127.0.0.1:$((base + 0))"
start bare $((base + 1)) "$bench" bare-server --addr 127.0.0.1:$((base + 1))
start ours $((base + 2)) "$results/bin/unary" --addr 127.0.0.1:$((base + 2))
start ours-token $((base + 3)) "$results/bin/unary" --addr 127.0.0.1:$((base + 3)) --token bench-secret
start ours-tls $((base + 4)) "$results/bin/unary" --addr 127.0.0.1:$((base + 4)) --tls --certs "$certs"
start ours/server-stream $((base + 5)) "$results/bin/server-streaming" --addr 127.0.0.1:$((base + 5))
start ours/client-stream $((base + 6)) "$results/bin/client-streaming" --addr 127.0.0.1:$((base + 6))
start ours/chat $((base + 7)) "$results/bin/bidi-streaming" --addr 127.0.0.1:$((base + 7))
[ $have_go = 0 ] || start go $((base + 8)) "$results/bin/hello-go" --addr 127.0.0.1:$((base + 8))
[ $have_node = 0 ] || start node $((base + 9)) node bench/peers/node/server.js --addr 127.0.0.1:$((base + 9))
peers=(); [ $have_go = 0 ] || peers+=(go); [ $have_node = 0 ] || peers+=(node)

# one LABEL CALL LEVEL RUN [bench flags]: one run of our load generator;
# LABEL's server is the one started as LABEL, or as ours/CALL.
one() {
  local label=$1 call=$2 level=$3 run=$4 p
  p=${port[$label/$call]:-${port[$label]}}
  local connections=$(( level < 4 ? level : 4 ))
  local in_flight=$(( level / connections ))
  "$bench" "$call" --addr "127.0.0.1:$p" --connections "$connections" --in-flight "$in_flight" \
    --duration-s "$seconds" --label "$label" --count 1000 "${@:5}" \
    --json "$results/$label-$call-$level-$run.json" >/dev/null
}

# h2load_unary LABEL RUN: say_hello for $seconds with 16 connections x 32
# streams, the request a pre-encoded gRPC frame (HelloRequest{pid: 1});
# saves calls/s and the server's CPU seconds in h2load.tsv.
hello_request "$results/hello-request.bin"
h2load_unary() {
  local label=$1 run=$2 before after out
  before=$(cpu_seconds "${pid[$label]}")
  out=$(h2load_say_hello "${port[$label]}" "$results/hello-request.bin" -D "$seconds")
  after=$(cpu_seconds "${pid[$label]}")
  echo "$out" >"$results/h2load-$label-$run.txt"
  echo "$out" | awk -v label="$label" -v run="$run" -v cpu="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" '
    /^finished in/ { rate = $4 }
    /^requests:/ { ok = $8 }
    /^status codes:/ { bad = $5 + $7 + $9 }
    END { printf "%s\t%s\t%s\t%s\t%s\t%s\n", label, run, rate, ok, cpu, bad }' >>"$results/h2load.tsv"
}

# Each server answers say_hello as a gRPC client expects: grpc-status 0 in
# the trailers and "Hello, 1!" in its reply, for h2load's very request
# (h2load itself sees only HTTP statuses).
if [ $have_h2load = 1 ]; then
  for label in python bare ours "${peers[@]}"; do
    nghttp -d "$results/hello-request.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      -v "http://127.0.0.1:${port[$label]}/hello.DoStuff/say_hello" >"$results/nghttp-$label.txt" 2>&1 || true
    grep -aq 'grpc-status: 0' "$results/nghttp-$label.txt" && grep -aq 'Hello, 1!' "$results/nghttp-$label.txt" \
      || { echo "compare: $label does not answer h2load's request with grpc-status 0" >&2; exit 1; }
  done
fi

unary_servers=(python bare ours "${peers[@]}")
for run in $(seq "$runs"); do
  echo "compare: run $run of $runs"
  for level in $levels; do
    for label in "${unary_servers[@]}"; do one "$label" unary "$level" "$run"; done
    for label in ours "${peers[@]}"; do
      one "$label" server-stream "$level" "$run"
      one "$label" chat "$level" "$run"
    done
    one ours client-stream "$level" "$run"
  done
  # What a token and TLS cost: our unary server with each, 16 calls at once.
  one ours-token unary 16 "$run" --token bench-secret
  one ours-tls unary 16 "$run" --tls --ca "$certs/ca.pem"
  if [ $have_h2load = 1 ]; then
    for label in "${unary_servers[@]}"; do h2load_unary "$label" "$run"; done
  fi
done

# Where the CPU goes under our generator: one more run of 64 unary calls at
# once per server, noting the CPU time the server and the generator used.
for label in "${unary_servers[@]}"; do
  before=$(cpu_seconds "${pid[$label]}")
  generator=$( { TIMEFORMAT='%U %S'; time "$bench" unary --addr "127.0.0.1:${port[$label]}" --connections 4 \
    --in-flight 16 --duration-s "$seconds" >/dev/null; } 2>&1 | awk '{ printf "%.1f", $1 + $2 }')
  after=$(cpu_seconds "${pid[$label]}")
  printf '%s\t%s\t%s\n' "$label" "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", a - b }')" "$generator" >>"$results/cpu.tsv"
done

for label in "${!pid[@]}"; do stop "$label"; done

# Memory per open stream, at 10,000 and 100,000 streams (bench/streams.sh).
echo "compare: memory per open stream (bench/streams.sh)"
bash bench/streams.sh >/dev/null
cp target/bench-results/streams/memory.tsv "$results/memory.tsv"

# What each piece of our plumbing costs a call, in instructions (bench/pieces.sh).
echo "compare: the plumbing's pieces, counted (bench/pieces.sh)"
bash bench/pieces.sh >/dev/null   # writes $results/pieces.md

cores=$(nproc)

# What a student pays for all this: a cold build, into an empty target/,
# against a minimal tonic hello-world (bench/cold-build.sh); and the whole
# workspace's, once.
if [ "${COLD_BUILD:-1}" = 1 ]; then
  echo "compare: cold builds (set COLD_BUILD=0 to skip)"
  RUNS=$runs bash bench/cold-build.sh
  cp target/bench-results/cold-build.md "$results/build.md"
  dir=$(mktemp -d)
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$dir" cargo build --quiet --workspace 2>/dev/null
  end=$(date +%s.%N)
  {
    echo
    echo "And \`cargo build --workspace\` (the topics, the page, the benchmarks and the workshop too), once:"
    echo "$(awk -v a="$end" -v b="$start" 'BEGIN { printf "%.0f s", a - b }'), leaving $(du -sm "$dir" | cut -f1) MB in \`target/\`."
  } >>"$results/build.md"
  rm -rf "$dir"
fi

{
  if [ -f "$results/pieces.md" ]; then
    echo "## What each piece of our plumbing costs a call"
    echo
    echo "Written by \`bench/pieces.sh\`: the instructions our unary server and the bare tonic server execute per \`say_hello\` call, counted by valgrind's callgrind over 20,000 calls from h2load (16 connections × 32 streams) after 2,000 to warm up; then the bare server with one piece of our plumbing at a time (\`bench bare-server --with PIECE\`). Counts repeat to within 0.1% from run to run, where CPU seconds on this machine differ by up to 30%; they leave out the kernel's share of a call."
    echo
    cat "$results/pieces.md"
    echo
  fi
  if [ -f "$results/build.md" ]; then
    echo "## The student's cost: a cold build"
    echo
    echo "The table is written by \`bench/cold-build.sh\`: crates already downloaded (\`cargo fetch\`), an empty \`target/\` for each build, the debug profile, the two builds interleaved. \`bench/compare.sh\` adds the whole workspace's build after it."
    echo
    cat "$results/build.md"
    echo
    cat bench/build-notes.md
    echo
  fi
} >"$results/notes.md"
{
  echo "## How these figures were made"
  echo
  echo '```sh'
  echo "bash bench/compare.sh    # RUNS=$runs SECONDS_PER_RUN=$seconds LEVELS=\"$levels\""
  echo '```'
  echo
  echo "All servers run at once, each on its own port, and the runs are interleaved: run 1 of every"
  echo "server at every level, then run 2, and so on. Our load generator: for each level L of calls"
  echo "at once, min(L, 4) connections × L/min(L, 4) calls in flight on each, $seconds s per run, e.g.:"
  echo
  echo '```sh'
  echo "cargo run --release -p bench -- unary --addr 127.0.0.1:$((base + 2)) --connections 4 --in-flight 16 --duration-s $seconds"
  echo '```'
  echo
  echo "h2load ($(h2load --version 2>/dev/null | awk '{print $NF}'), one thread), with the request a gRPC frame"
  echo "written beforehand (\`00 00000002 0801\`: uncompressed, 2 bytes, HelloRequest{pid: 1}):"
  echo
  echo '```sh'
  echo 'printf '"'"'\0\0\0\0\2\x08\x01'"'"' >hello-request.bin'
  echo "h2load -c 16 -m 32 -D $seconds -d hello-request.bin -H 'content-type: application/grpc' -H 'te: trailers' \\"
  echo "  http://127.0.0.1:$((base + 2))/hello.DoStuff/say_hello"
  echo '```'
  echo
  echo "Before measuring, \`nghttp\` sends that request to each server once and checks its trailers say"
  echo "\`grpc-status: 0\` (h2load counts HTTP statuses only)."
  echo
  echo "Servers: \`interop/all_kinds_server.py\` (grpcio, the note's ThreadPoolExecutor(max_workers=10)),"
  echo "\`bench bare-server\`, our four lesson servers (release builds), \`bench/peers/go\` (grpc-go from"
  echo "Debian's golang-google-grpc-dev, GOPATH mode) and \`bench/peers/node\` (@grpc/grpc-js), each with"
  echo "logging off or at \`warn\`. Load generator and servers share the $cores cores."
} >"$results/commands.md"

"$bench" report --results "$results" --out BENCHMARKS.md
