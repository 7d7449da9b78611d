# The wait-for-ready topic's counterpart (sourced by interop/run.sh): a
# grpcio client starts before our server; its fail-fast call fails at once,
# its wait_for_ready=True call waits and is answered once the server is up.

cargo build --quiet -p wait-for-ready --bins
wfr_out="$logs/wait-for-ready-client.out"
py wait_for_ready_client.py 127.0.0.1:18906 30 >"$wfr_out" 2>&1 &
wfr_client=$!
# The client's fail-fast call has failed (nothing listens yet) before the
# server starts listening, a second later.
for _ in $(seq 100); do grep -q "^fail-fast:" "$wfr_out" && break; sleep 0.1; done
start_topic wait-for-ready 18906 --start-after-ms 1000
wait "$wfr_client" || fail "the Python client failed: $(cat "$wfr_out")"
out=$(cat "$wfr_out")
echo "$out"
grep -qE '^fail-fast: UNAVAILABLE after 0\.[0-9]+ s$' <<<"$out" || fail "the fail-fast call did not fail at once"
grep -qE '^wait-for-ready: Hello, 42! after [1-9][0-9.]* s$' <<<"$out" || fail "the wait-for-ready call did not wait for the server"

# And ours, the same way round: our client waits, our server comes late.
cargo run --quiet -p wait-for-ready --bin client -- --addr 127.0.0.1:18916 --pid 7 \
  --wait-for-ready --timeout-ms 20000 --initial-backoff-ms 200 >"$wfr_out" 2>&1 &
wfr_client=$!
for _ in $(seq 100); do grep -q "^TRANSIENT_FAILURE" "$wfr_out" && break; sleep 0.1; done
start_topic wait-for-ready 18916
wait "$wfr_client" || fail "our wait-for-ready client failed: $(cat "$wfr_out")"
out=$(cat "$wfr_out")
echo "$out"
expect_line "READY: the call went out" "$out"
expect_line "GRPC client received: Hello, 7!" "$out"
