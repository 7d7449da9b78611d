# topics/errors: the richer error model, both ways (sourced by interop/run.sh).
#   a. Python's grpcio-status reads the details our Rust server sends
#   b. our Rust client reads the details a Python server packs

echo "interop: errors a. Python (grpcio-status) -> our errors server --max-calls-per-second 3"
start_topic errors 18901 --max-calls-per-second 3
out=$(py errors_client.py 127.0.0.1:18901) || fail "errors_client.py failed against our errors server"
echo "$out"
expect_line "Python read BadRequest: field pid: must be greater than 0, as process ids are; got 0" "$out"
expect_line "Python read LocalizedMessage (pt-BR): O pid deve ser um número positivo; 0 não é." "$out"
expect_line "Python read QuotaFailure: calls per second: at most 3 calls per second" "$out"
expect_line "Python received after waiting: Hello, 1!" "$out"
stop_servers

echo "interop: errors b. our errors client -> a Python server (grpcio-status) on 18911"
# Something already there would answer in the Python server's place.
if (exec 3<>/dev/tcp/127.0.0.1/18911) 2>/dev/null; then fail "port 18911 is taken: stop what listens there"; fi
(cd "$gen" && exec "$venv/bin/python" errors_server.py 127.0.0.1:18911) &
python_server=$!
wait_for_port 18911
if out=$(cargo run --quiet -p errors --bin client -- --addr 127.0.0.1:18911 --pid 0 2>"$logs/errors-client.err"); then
  fail "our errors client succeeded with --pid 0 against the Python server"
fi
echo "$out"
cat "$logs/errors-client.err"
grep -qE '^grpc-status-details-bin: [A-Za-z0-9+/]+$' <<<"$out" || fail "no grpc-status-details-bin line"
expect_line "  BadRequest: field pid: Python wants a positive pid, not 0" "$out"
expect_line "  LocalizedMessage (en-US): Send a positive pid, please." "$out"
expect_line "error: the server refused the request (INVALID_ARGUMENT: pid must be positive, got 0); change the value it names" \
  "$(cat "$logs/errors-client.err")"
out=$(cargo run --quiet -p errors --bin client -- --addr 127.0.0.1:18911 --pid 8) || fail "our errors client failed with --pid 8"
expect_line "GRPC client received: Hello, 8!" "$out"
kill -TERM "$python_server"; wait "$python_server" || true
python_server=
