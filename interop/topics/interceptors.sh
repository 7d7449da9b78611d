# The interceptors topic's counterpart (sourced by interop/run.sh): a
# grpcio client interceptor calls our server, whose call log shows the
# method, the interceptor's request id and the final status code.

start_topic interceptors 18903 --user alice=s3cret
log="$logs/interceptors.log"

out=$(py interceptors_client.py 127.0.0.1:18903 py-ok s3cret) || fail "the Python interceptor's call failed: $out"
echo "$out"
expect_line "GRPC client received: Hello, 42!" "$out"

if out=$(py interceptors_client.py 127.0.0.1:18903 py-refused wrong); then
  fail "a token the store does not know was accepted"
fi
echo "$out"
expect_line "GRPC client failed: UNAUTHENTICATED: no token, or one the token store does not know: pass --token with a --user's token" "$out"

# The server logs each call's line when the call ends: give it a moment.
for id in py-ok py-refused; do
  for _ in $(seq 50); do grep -q "\[x-request-id $id\]" "$log" && break; sleep 0.1; done
done
grep -E '/hello\.DoStuff/say_hello from 127\.0\.0\.1:[0-9]+ \[x-request-id py-ok\]: OK in' "$log" \
  || fail "no OK line for py-ok in the server's log: $(cat "$log")"
grep -E '/hello\.DoStuff/say_hello from 127\.0\.0\.1:[0-9]+ \[x-request-id py-refused\]: UNAUTHENTICATED in .*, 0 messages in, 0 out' "$log" \
  || fail "no UNAUTHENTICATED line for py-refused in the server's log: $(cat "$log")"
