# The propagation topic's counterpart (sourced by interop/run.sh): a grpcio
# backend (propagation_backend.py) behind our Rust relay. With a 1 s client
# deadline and 300 ms of relay work, grpcio's context.time_remaining() must
# say at most 0.7 s; with --no-propagation, no deadline at all. And a client
# that gives up makes grpcio end the Python handler's call too.

backend_port=18908
backend_log="$logs/propagation_backend.log"
# Appended to (>>), so that emptying it between steps leaves no hole.
: >"$backend_log"
(cd "$gen" && exec "$venv/bin/python" propagation_backend.py "$backend_port" 0.5) >>"$backend_log" 2>&1 &
python_server=$!
wait_for_port "$backend_port"

# Waits (5 s at most) for a line matching $1 in the Python backend's log; prints it.
python_backend_says() {
  for _ in $(seq 50); do grep -E "$1" "$backend_log" | tail -n 1 | grep . && return 0; sleep 0.1; done
  fail "the Python backend never logged '$1': $(cat "$backend_log")"
}

our_client() {
  cargo run --quiet -p propagation --bin client -- --addr 127.0.0.1:18907 --pid 42 "$@"
}

start_topic propagation 18907 --backend "127.0.0.1:$backend_port" --delay-ms 300
out=$(our_client --timeout-ms 1000) || fail "our client, through our relay, to the Python backend: $out"
echo "$out"
expect_line "GRPC client received: Hello, 42!" "$out"
line=$(python_backend_says 'time_remaining\(\) = [0-9.]+ s')
echo "$line"
left=$(sed -E 's/.*= ([0-9.]+) s/\1/' <<<"$line")
"$venv/bin/python" -c "import sys; left = float(sys.argv[1]); sys.exit(0 if 0.5 < left <= 0.7 else 1)" "$left" \
  || fail "the Python backend should have seen at most 0.7 s left (1 s less the relay's 300 ms), it saw $left s"
python_backend_says '^python backend: finished$'

# The client gives up 100 ms after the relay has called the backend: the
# relay's call is reset, and grpcio ends the Python handler's call.
: >"$backend_log"
out=$(our_client --cancel-after-ms 400) || fail "our client with --cancel-after-ms: $out"
echo "$out"
python_backend_says 'time_remaining\(\) = .*: no deadline'
python_backend_says 'the call ended after [0-9]+ ms, before the work was done'

stop_servers
start_topic propagation 18907 --backend "127.0.0.1:$backend_port" --delay-ms 300 --no-propagation
: >"$backend_log"
out=$(our_client --timeout-ms 1000) || fail "our client, through our relay with --no-propagation: $out"
echo "$out"
python_backend_says 'time_remaining\(\) = .*: no deadline'

kill -TERM "$python_server"; wait "$python_server" || true
python_server=
