#!/usr/bin/env bash
# What a student sees: each crate's server and client, run with the README's
# commands (`cargo run -p <crate> --bin server|client`), checked line by line.
# Also the one-line failures: a server that is down, a port in use, a client
# pointed at another kind's server. (Like grpc-go's examples_test.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

server_pid=
cleanup() { [ -z "$server_pid" ] || kill -TERM "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

# shellcheck source=.ci/lib.sh
source .ci/lib.sh

expect_line() {
  grep -qxF -- "$1" <<<"$2" || fail "expected the line '$1' in:
$2"
}

# start_server CRATE PORT [FLAGS...]
start_server() {
  cargo build --quiet -p "$1" --bin server
  cargo run --quiet -p "$1" --bin server -- --addr "127.0.0.1:$2" "${@:3}" &
  server_pid=$!
  wait_for_port "$2"
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "the server did not exit with 0 on SIGTERM"
  server_pid=
}

# client CRATE PORT [FLAGS...]: runs a client, prints and returns its stdout.
client() {
  cargo run --quiet -p "$1" --bin client -- --addr "127.0.0.1:$2" --pid 77 "${@:3}"
}

echo "smoke: unary"
start_server unary 18888
out=$(client unary 18888); echo "$out"
expect_line "GRPC client received: Hello, 77!" "$out"
expect_line "GRPC client received: Hello again, 77!" "$out"

echo "smoke: a client of another kind gets a hint naming the right crate"
if err=$(client server-streaming 18888 2>&1 >/dev/null); then fail "expected exit 1"; fi
echo "$err"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "expected one line"
grep -q "UNIMPLEMENTED" <<<"$err" && grep -q "cargo run -p server-streaming --bin server" <<<"$err" \
  || fail "no UNIMPLEMENTED hint"

echo "smoke: a port in use"
if err=$(cargo run --quiet -p unary --bin server -- --addr 127.0.0.1:18888 2>&1); then fail "expected exit 1"; fi
echo "$err"
grep -q "already in use.*--addr" <<<"$err" || fail "no port-in-use advice"
! grep -qi "panicked" <<<"$err" || fail "panicked"
stop_server

echo "smoke: a server that is down"
if err=$(client unary 18888 2>&1 >/dev/null); then fail "expected exit 1"; fi
echo "$err"
[ "$(wc -l <<<"$err")" -eq 1 ] || fail "expected one line"
grep -q "127.0.0.1:18888.*UNAVAILABLE.*cargo run -p unary --bin server" <<<"$err" || fail "no advice"

echo "smoke: --workers sets the runtime's threads; HELLO_TOKEN works on both sides"
log=$(mktemp)
cargo run --quiet -p unary --bin server -- --addr 127.0.0.1:18888 --workers 3 2>"$log" &
server_pid=$!
wait_for_port 18888
grep -q "3 worker threads" "$log" || fail "--workers 3 not in the log: $(cat "$log")"
stop_server
HELLO_TOKEN=smoke-secret cargo run --quiet -p unary --bin server -- --addr 127.0.0.1:18888 2>"$log" &
server_pid=$!
wait_for_port 18888
out=$(HELLO_TOKEN=smoke-secret client unary 18888); echo "$out"
expect_line "GRPC client received: Hello, 77!" "$out"
if err=$(client unary 18888 2>&1 >/dev/null); then fail "a call without the token was accepted"; fi
echo "$err"
grep -q "UNAUTHENTICATED.*--token or HELLO_TOKEN" <<<"$err" || fail "no UNAUTHENTICATED advice"
stop_server
grep -q "need .authorization: Bearer <token>." "$log" || fail "the server did not say it wants a token"
! grep -q "smoke-secret" "$log" || fail "the token was logged"
rm -f "$log"

echo "smoke: server-streaming"
start_server server-streaming 18889
out=$(client server-streaming 18889 --count 3 --interval-ms 0); echo "$out"
for i in 1 2 3; do expect_line "GRPC client received: Hello #$i, 77!" "$out"; done
stop_server

echo "smoke: the server dies mid-stream"
start_server server-streaming 18889
err_file=$(mktemp)
client server-streaming 18889 --count 100 --interval-ms 100 >"$err_file.out" 2>"$err_file" &
client_pid=$!
for _ in $(seq 100); do grep -q "Hello #1," "$err_file.out" 2>/dev/null && break; sleep 0.1; done
grep -q "Hello #1," "$err_file.out" || fail "the stream did not start"
kill -KILL "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
if wait "$client_pid"; then fail "the client exited 0 after losing its server"; fi
cat "$err_file"
[ "$(wc -l <"$err_file")" -eq 1 ] || fail "expected one line"
grep -q "^error: .*(UNAVAILABLE\|(UNKNOWN\|(INTERNAL" "$err_file" || fail "no status code in the error"
! grep -qi "panicked" "$err_file" || fail "the client panicked"
rm -f "$err_file" "$err_file.out"

echo "smoke: bytes that are not gRPC, then a normal call"
log=$(mktemp)
cargo run --quiet -p unary --bin server -- --addr 127.0.0.1:18888 2>"$log" &
server_pid=$!
wait_for_port 18888
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/tcp/127.0.0.1/18888 || true
head -c 300 /dev/urandom >/dev/tcp/127.0.0.1/18888 || true
out=$(client unary 18888); echo "$out"
expect_line "GRPC client received: Hello, 77!" "$out"
stop_server
! grep -qi "panicked" "$log" || fail "the server logged a panic: $(cat "$log")"
rm -f "$log"

echo "smoke: client-streaming"
start_server client-streaming 18890
out=$(client client-streaming 18890 --count 3 --interval-ms 0); echo "$out"
expect_line "GRPC client received: Hello, 3 pids (sum 231)!" "$out"
stop_server

echo "smoke: bidi-streaming"
start_server bidi-streaming 18891
out=$(client bidi-streaming 18891 --count 2 --interval-ms 0); echo "$out"
[ "$(grep -cxF "GRPC client received: Hello, 77!" <<<"$out")" -eq 2 ] || fail "expected two replies"
stop_server

echo "smoke: the load generator, briefly (a few hundred calls)"
start_server unary 18888
out=$(cargo run --quiet -p bench -- unary --addr 127.0.0.1:18888 --connections 2 --in-flight 4 --calls 300); echo "$out"
grep -q " 300 calls" <<<"$out" || fail "bench unary did not make 300 calls"
stop_server
start_server bidi-streaming 18891
out=$(cargo run --quiet -p bench -- chat --addr 127.0.0.1:18891 --connections 2 --in-flight 4 --calls 200); echo "$out"
grep -q "^chat .* 200 calls" <<<"$out" || fail "bench chat did not make 200 round trips"
stop_server

echo "smoke: passed"
