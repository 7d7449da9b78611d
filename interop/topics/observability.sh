# The observability topic's counterpart (sourced by interop/run.sh):
#   1. a grpcio client sends a hand-written `traceparent`; our server's span
#      continues that trace (same trace id, the client's span as parent),
#      and its /metrics counts the call;
#   2. our Rust client calls a grpcio server, which prints the traceparent
#      it received: the trace id is the one our client prints.

start_topic observability 18909 --metrics-addr 127.0.0.1:18919
log="$logs/observability.log"

out=$(py observability_client.py 127.0.0.1:18909) || fail "the Python client's traced call failed: $out"
echo "$out"
expect_line "GRPC client received: Hello, 42!" "$out"
traceparent=$(sed -nE 's/^python client: traceparent (.*)$/\1/p' <<<"$out")
trace_id=$(cut -d- -f2 <<<"$traceparent")
span_id=$(cut -d- -f3 <<<"$traceparent")
# Our server prints a span's line as the call ends, before its status leaves.
line=$(grep -E "^observability-server: span hello\.DoStuff/say_hello \(server\) trace $trace_id span [0-9a-f]{16} parent $span_id \(remote\) .* rpc\.grpc\.status_code=0$" "$log") \
  || fail "our server's span does not continue the Python client's trace $trace_id: $(cat "$log")"
echo "$line"

metrics=$("$venv/bin/python" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' http://127.0.0.1:18919/metrics) \
  || fail "no /metrics on 127.0.0.1:18919"
expect_line 'grpc_server_handled_total{grpc_service="hello.DoStuff",grpc_method="say_hello",grpc_code="OK"} 1' "$metrics"
echo "our server's /metrics counted the Python client's call"
stop_servers

python_port=18929
python_log="$logs/observability_server.log"
(cd "$gen" && exec "$venv/bin/python" observability_server.py "$python_port") >"$python_log" 2>&1 &
python_server=$!
wait_for_port "$python_port"
out=$(cargo run --quiet -p observability --bin client -- --addr "127.0.0.1:$python_port" --pid 42) \
  || fail "our client against the Python server: $out"
echo "$out"
expect_line "GRPC client received: Hello, 42!" "$out"
ours=$(sed -nE 's/^GRPC client: trace id ([0-9a-f]{32}),.*/\1/p' <<<"$out")
[ -n "$ours" ] || fail "our client printed no trace id: $out"
for _ in $(seq 50); do grep -q "^python server: trace id" "$python_log" && break; sleep 0.1; done
grep -qxE "python server: trace id $ours, parent span [0-9a-f]{16}" "$python_log" \
  || fail "the Python server did not receive our trace id $ours: $(cat "$python_log")"
grep "^python server: traceparent" "$python_log"
echo "the Python server received our client's trace id $ours"

kill -TERM "$python_server"; wait "$python_server" || true
python_server=
