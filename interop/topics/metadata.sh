# Sourced by interop/run.sh (section 6): grpcio's own metadata API against our
# Rust metadata server. metadata_client.py sends x-request-id and x-client-bin
# with `metadata=`, reads initial_metadata() and trailing_metadata() for a
# unary call (`with_call`) and a server-streaming one, and checks the echo and
# x-client-bin-len; then grpcio refuses an uppercase key and a non-ASCII
# value locally, and sends a made-up grpc- key, which our server ignores.
start_topic metadata 18902
out=$(py metadata_client.py 127.0.0.1:18902) || fail "metadata_client.py failed against our metadata server"
echo "$out"
expect_line "say_hello initial_metadata: x-request-id: py-1" "$out"
grep -qE '^say_hello trailing_metadata: x-elapsed-us: [0-9]+, x-client-bin-len: 3$' <<<"$out" \
  || fail "no x-elapsed-us and x-client-bin-len: 3 in the unary call's trailing metadata"
expect_line "say_hello_stream initial_metadata: x-request-id: py-2" "$out"
grep -qE '^say_hello_stream trailing_metadata: x-elapsed-us: [0-9]+, x-client-bin-len: 2$' <<<"$out" \
  || fail "no x-client-bin-len: 2 in the stream's trailing metadata"
expect_line "X-Trace: 1 refused locally: INTERNAL: Invalid metadata" "$out"
expect_line "x-request-id: café refused locally: INTERNAL: Invalid metadata" "$out"
grep -qE '^grpc-made-up: 1 sent and ignored: Hello, [0-9]+!$' <<<"$out" || fail "a made-up grpc- key was not ignored"
# Locally: of the Python client's say_hello calls, the server saw the first
# and the one with grpc-made-up, and not the two refused ones.
pid=$(sed -n 's/^GRPC client received: Hello, \([0-9]*\)!$/\1/p' <<<"$out")
[ "$(grep -c "in say_hello, pid = $pid," "$logs/metadata.log")" -eq 2 ] \
  || fail "a call grpcio should have refused reached the server: $(cat "$logs/metadata.log")"
grep -q "in say_hello, pid = $pid, .*other keys: \[.*grpc-made-up" "$logs/metadata.log" \
  || fail "the server did not log the grpc-made-up key it ignored"
