#!/usr/bin/env bash
# Interoperability with the lecture note: its Python programs, unchanged,
# against our Rust ones, over real sockets on the note's port 8888.
#
#   1. the note's Python client  -> our Rust unary server
#   2. our Rust unary client     -> the note's Python server
#
# It makes a Python venv in target/interop-venv, installs grpcio and
# grpcio-tools there, and generates the Python stubs from proto/hello.proto
# exactly as the note's readers do. Run it from anywhere:
#   bash interop/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$PWD/target/interop-venv"
gen="$PWD/target/interop-py"
seed=../shared/seed/000_f40b70df27d7988c.txt
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

fail() { echo "interop: FAILED: $*" >&2; exit 1; }

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

echo "interop: preparing Python (grpcio, grpcio-tools) in $venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check grpcio grpcio-tools
mkdir -p "$gen"
"$venv/bin/python" -m grpc_tools.protoc -Iproto --python_out="$gen" --grpc_python_out="$gen" proto/hello.proto
cp interop/*.py "$gen"/

echo "interop: building the unary server and client"
cargo build --quiet -p unary --bins

echo "interop: 1. the note's Python client -> our Rust unary server"
cargo run --quiet -p unary --bin server &
pids+=($!)
wait_for_port 8888
out=$(cd "$gen" && "$venv/bin/python" note_client.py) || fail "the note's client failed against our server"
echo "$out"
grep -qE '^GRPC client received: Hello, [0-9]+!$' <<<"$out" || fail "no 'Hello, <pid>!' reply"
grep -qE '^GRPC client received: Hello again, [0-9]+!$' <<<"$out" || fail "no 'Hello again, <pid>!' reply"
kill -INT "${pids[-1]}"; wait "${pids[-1]}" || fail "our server did not exit cleanly on Ctrl-C"
unset 'pids[-1]'

echo "interop: 2. our Rust unary client -> the note's Python server"
(cd "$gen" && exec "$venv/bin/python" note_server.py) &
pids+=($!)
wait_for_port 8888
out=$(cargo run --quiet -p unary --bin client -- --pid 4242) || fail "our client failed against the note's server"
echo "$out"
expect_line "GRPC client received: Hello, 4242!" "$out"
expect_line "GRPC client received: Hello again, 4242!" "$out"

echo "interop: passed"
