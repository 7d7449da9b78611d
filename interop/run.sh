#!/usr/bin/env bash
# Interoperability with the lecture note: its Python programs, unchanged,
# against our Rust ones, over real sockets on the note's port 8888.
#
#   1. the note's Python client  -> our Rust unary server
#   2. our Rust unary client     -> the note's Python server
#   3. deadlines: 20 Python calls with a deadline shorter than --delay-ms,
#      all DEADLINE_EXCEEDED
#   4. encryption and authentication: the note's client over TLS
#      (note_client_tls.py), without and with --token
#   5. our four clients -> a Python server for all five methods
#      (all_kinds_server.py)
#   6. mutual TLS: a grpcio client with the development client certificate
#      (mtls_client.py) -> our server with --mtls; without it, refused
#      and unix domain sockets: grpcio's insecure_channel("unix:PATH") ->
#      our server with --addr unix:PATH
#   7. the topics under topics/: each has interop/topics/<topic>.sh, which
#      runs its Python counterpart (interop/topics/<topic>_*.py)
#
# It makes a Python venv in target/interop-venv, installs grpcio and
# grpcio-tools there, and generates the Python stubs from proto/hello.proto
# exactly as the note's readers do. Run it from anywhere:
#   bash interop/run.sh             everything
#   bash interop/run.sh errors ...  only the named topics' counterparts
set -euo pipefail
cd "$(dirname "$0")/.."

seed=../shared/seed/000_f40b70df27d7988c.txt
pids=()

python_server=
cleanup() {
  for pid in "${pids[@]}" $python_server; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

fail() { echo "interop: FAILED: $*" >&2; exit 1; }

# A topic named with no counterpart: say which names there are, before any work.
for topic in "$@"; do
  if [ ! -f "interop/topics/$topic.sh" ]; then
    known=$(cd interop/topics && ls -- *.sh | sed 's/\.sh$//' | tr '\n' ' ')
    fail "no Python counterpart for a topic named '$topic'; the topics are: $known"
  fi
done

# Waits until something accepts connections on 127.0.0.1:$1 (at most 60 s).
wait_for_port() {
  "$venv/bin/python" - "$1" <<'PY'
import socket, sys, time
deadline = time.time() + 60
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(f"nothing listens on port {sys.argv[1]} after 60 s")
        time.sleep(0.1)
PY
}

# Checks that "$2" (a program's output) contains the line "$1".
expect_line() {
  grep -qxF -- "$1" <<<"$2" || fail "expected the line '$1' in:
$2"
}

# The note's programs must be the note's, byte for byte, when the note is here.
if [ -f "$seed" ]; then
  python3 - "$seed" <<'PY' || fail "interop/note_*.py differ from the note's code"
import re, sys
blocks = re.findall(r"```Python\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), re.S)
for block, path in zip(blocks, ["interop/note_server.py", "interop/note_client.py"]):
    if open(path, encoding="utf-8").read() != block:
        sys.exit(f"{path} is not the note's program")
PY
  echo "interop: note_server.py and note_client.py are the note's programs, unchanged"
fi

echo "interop: preparing Python (grpcio, grpcio-tools, grpcio-status) in target/interop-venv"
source interop/python-env.sh

echo "interop: building the unary server and client"
cargo build --quiet -p unary --bins

# Starts our unary server on 8888 with the given flags; stops the previous one.
start_our_server() {
  stop_servers
  cargo run --quiet -p unary --bin server -- "$@" &
  pids+=($!)
  wait_for_port 8888
}

stop_servers() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || fail "a server did not exit cleanly on SIGTERM"
  done
  pids=()
}

py() { (cd "$gen" && "$venv/bin/python" "$@"); }

# start_topic CRATE PORT [FLAGS...]: starts a topic's server on 127.0.0.1:PORT,
# its log in target/interop-logs/CRATE.log, and waits until it listens.
logs="$PWD/target/interop-logs"
mkdir -p "$logs"
start_topic() {
  stop_servers
  cargo build --quiet -p "$1" --bins
  cargo run --quiet -p "$1" --bin server -- --addr "127.0.0.1:$2" "${@:3}" >"$logs/$1.log" 2>&1 &
  pids+=($!)
  wait_for_port "$2"
}

# Each topic's counterpart: interop/topics/<topic>.sh, sourced here, so it
# can use py, fail, expect_line, wait_for_port, start_topic and stop_servers.
run_topics() {
  for topic in "$@"; do
    echo "interop: 7. topic $topic"
    # shellcheck source=/dev/null
    source "interop/topics/$topic.sh"
    stop_servers
  done
}

if [ $# -gt 0 ]; then
  run_topics "$@"
  echo "interop: passed ($*)"
  exit 0
fi

echo "interop: 1. the note's Python client -> our Rust unary server"
start_our_server
out=$(py note_client.py) || fail "the note's client failed against our server"
echo "$out"
grep -qE '^GRPC client received: Hello, [0-9]+!$' <<<"$out" || fail "no 'Hello, <pid>!' reply"
grep -qE '^GRPC client received: Hello again, [0-9]+!$' <<<"$out" || fail "no 'Hello again, <pid>!' reply"
stop_servers

echo "interop: 2. our Rust unary client -> the note's Python server"
(cd "$gen" && exec "$venv/bin/python" note_server.py) &
python_server=$!
wait_for_port 8888
out=$(cargo run --quiet -p unary --bin client -- --pid 4242) || fail "our client failed against the note's server"
echo "$out"
expect_line "GRPC client received: Hello, 4242!" "$out"
expect_line "GRPC client received: Hello again, 4242!" "$out"
# Python ends on SIGTERM with the signal's exit code; that is not a failure.
kill -TERM "$python_server"; wait "$python_server" || true

echo "interop: 3. deadlines: Python calls with 100 ms deadlines -> our server with --delay-ms 300"
start_our_server --delay-ms 300
py deadline_check.py 127.0.0.1:8888 0.1 || fail "not every call ended with DEADLINE_EXCEEDED"

echo "interop: 4. the note's client over TLS -> our server with --tls"
certs="${CARGO_TARGET_DIR:-$PWD/target}/dev-certs"
start_our_server --tls
out=$(py note_client_tls.py "$certs/ca.pem") || fail "the TLS client failed"
echo "$out"
grep -qE '^GRPC client received: Hello, [0-9]+!$' <<<"$out" || fail "no reply over TLS"

echo "interop: 4b. the same with a token -> our server with --tls --token"
start_our_server --tls --token interop-secret
out=$(HELLO_TOKEN=interop-secret py note_client_tls.py "$certs/ca.pem") || fail "the TLS client with the token failed"
echo "$out"
grep -qE '^GRPC client received: Hello again, [0-9]+!$' <<<"$out" || fail "no reply with the token"
if err=$(HELLO_TOKEN=wrong py note_client_tls.py "$certs/ca.pem" 2>&1); then fail "a wrong token was accepted"; fi
echo "$err"
grep -q "UNAUTHENTICATED: wrong token" <<<"$err" || fail "a wrong token was not refused with UNAUTHENTICATED"
if err=$(py note_client_tls.py "$certs/ca.pem" 2>&1); then fail "a call without a token was accepted"; fi
echo "$err"
grep -q "UNAUTHENTICATED: no token" <<<"$err" || fail "a missing token was not refused with UNAUTHENTICATED"
stop_servers

echo "interop: 5. our four Rust clients -> a Python server for all five methods"
(cd "$gen" && exec "$venv/bin/python" all_kinds_server.py 127.0.0.1:18899) &
python_server=$!
wait_for_port 18899
client() { cargo run --quiet -p "$1" --bin client -- --addr 127.0.0.1:18899 --pid 77 "${@:2}"; }
out=$(client unary) || fail "unary client"
expect_line "GRPC client received: Hello again, 77!" "$out"
out=$(client server-streaming --count 3 --interval-ms 10) || fail "server-streaming client"
expect_line "GRPC client received: Hello #3, 77!" "$out"
out=$(client client-streaming --count 3 --interval-ms 10) || fail "client-streaming client"
expect_line "GRPC client received: Hello, 3 pids (sum 231)!" "$out"
out=$(timeout 20 cargo run --quiet -p bidi-streaming --bin client -- --addr 127.0.0.1:18899 --pid 77 --count 3 --interval-ms 10) \
  || fail "bidi-streaming client (a hang here means it waited for headers the server sends only with a reply)"
[ "$(grep -cxF "GRPC client received: Hello, 77!" <<<"$out")" -eq 3 ] || fail "expected three chat replies in: $out"
echo "our four clients talked to the Python server"
kill -TERM "$python_server"; wait "$python_server" || true

echo "interop: 6. mutual TLS: grpcio's ssl_channel_credentials(root, key, chain) -> our server with --mtls"
start_our_server --mtls
out=$(py mtls_client.py localhost:8888 "$certs") || fail "the Python client with a certificate failed: $out"
echo "$out"
grep -qE '^GRPC client received: Hello, [0-9]+!$' <<<"$out" || fail "no reply over mutual TLS"
if out=$(py mtls_client.py localhost:8888 "$certs" --no-cert 2>&1); then fail "a client without a certificate was accepted"; fi
echo "$out"
grep -q "^GRPC client failed: UNAVAILABLE" <<<"$out" || fail "a client without a certificate was not refused"
stop_servers

echo "interop: 6b. unix domain sockets: grpcio's insecure_channel(\"unix:PATH\") -> our server with --addr unix:PATH"
sock="$logs/hello.sock"
cargo run --quiet -p unary --bin server -- --addr "unix:$sock" &
pids+=($!)
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "no socket file at $sock after 60 s"
out=$(py unix_client.py "unix:$sock") || fail "the Python client over the unix socket failed: $out"
echo "$out"
grep -qE '^GRPC client received: Hello, [0-9]+!$' <<<"$out" || fail "no reply over the unix socket"
# Without grpc.default_authority, grpcio sends the path as :authority, which
# h2 refuses (README, "Unix domain sockets"): if that ever changes, say so.
if out=$(py unix_client.py "unix:$sock" --as-is); then
  echo "interop: note: grpcio's default :authority over a unix socket is accepted now; update the README"
else
  echo "$out (the known h2 limitation, as the README says)"
fi
stop_servers
[ ! -e "$sock" ] || fail "the server left its socket file behind"

mapfile -t topics < <(ls interop/topics/*.sh 2>/dev/null | xargs -n1 basename 2>/dev/null | sed 's/\.sh$//')
run_topics "${topics[@]}"

echo "interop: passed"
