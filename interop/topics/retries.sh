# The retries topic's counterpart (sourced by interop/run.sh): a grpcio
# channel with a service config's retryPolicy succeeds against our server
# started with --fail-attempts 2, where a plain channel fails; the server's
# log shows the attempts grpcio numbered 0 (no header), 1 and 2 in
# grpc-previous-rpc-attempts. Then our own client against the same server,
# and grpcio honouring our server's pushback "do not retry".

# The server's log line for attempt $2 of pid $1, whose header said $3, ending $4.
expect_attempt() {
  grep -qE "say_hello pid $1, attempt $2 \(grpc-previous-rpc-attempts: $3(, grpc-timeout: [0-9]+ ms)?\): $4\$" "$log" \
    || fail "no line for attempt $2 of pid $1 ($4) in the server's log: $(cat "$log")"
}

start_topic retries 18905 --fail-attempts 2
log="$logs/retries.log"

if out=$(py retries_client.py 127.0.0.1:18905 501 plain); then
  fail "a channel without a retry policy succeeded against --fail-attempts 2: $out"
fi
echo "$out"
expect_line "GRPC client failed: UNAVAILABLE: attempt 1 fails on purpose: the server runs with --fail-attempts 2" "$out"
expect_attempt 501 1 none UNAVAILABLE
grep -q "say_hello pid 501, attempt 2" "$log" && fail "a plain channel retried: $(cat "$log")"

out=$(py retries_client.py 127.0.0.1:18905 502 retry) || fail "the retrying channel failed: $out"
echo "$out"
expect_line "GRPC client received: Hello, 502!" "$out"
expect_attempt 502 1 none UNAVAILABLE
expect_attempt 502 2 1 UNAVAILABLE
expect_attempt 502 3 2 OK
grep "say_hello pid 502," "$log"

out=$(cargo run --quiet -p retries --bin client -- --addr 127.0.0.1:18905 --max-attempts 3 --pid 503) \
  || fail "our retries client failed: $out"
echo "$out"
expect_line "attempt 3: OK: Hello, 503!" "$out"
expect_line "GRPC client received: Hello, 503!" "$out"
expect_attempt 503 3 2 OK

# A negative grpc-retry-pushback-ms means "do not retry" (A6): grpcio obeys.
start_topic retries 18905 --fail-attempts 2 --pushback-ms -1
if out=$(py retries_client.py 127.0.0.1:18905 504 retry); then
  fail "grpcio retried despite the server's pushback: $out"
fi
echo "$out"
expect_attempt 504 1 none UNAVAILABLE
grep -q "say_hello pid 504, attempt 2" "$log" && fail "grpcio retried despite the pushback: $(cat "$log")"
echo "interop: grpcio made one attempt, as the server's pushback -1 asked"
