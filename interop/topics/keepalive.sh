# The keepalive topic's counterpart (sourced by interop/run.sh): our server
# behind the fault proxy, whose connections go silent (a black hole) 1 s
# after they are accepted. A grpcio channel with keepalive (a PING after
# 500 ms of silence, 500 ms for its answer) learns its stream is dead about
# 1 s after the last reply, long before its deadline; a channel without
# keepalive waits for its deadline. Our server (with keepalive) ends the
# streams of those vanished clients, as its log shows; then our client
# does what grpcio did.

bin="${CARGO_TARGET_DIR:-$PWD/target}/debug"
cargo build --quiet -p fault-proxy -p keepalive --bins
start_topic keepalive 18920 --keepalive-ms 500 --keepalive-timeout-ms 500
log="$logs/keepalive.log"

# The proxy is stopped with Ctrl-C's signal (its clean stop), by us, below.
"$bin/fault-proxy" --listen 127.0.0.1:19020 --to 127.0.0.1:18920 \
  --black-hole-after-ms 1000 --seed 8 >"$logs/keepalive-proxy.log" 2>&1 &
proxy=$!
pids+=("$proxy")
wait_for_port 19020

# Seconds in "... at 1.84 s, 1.03 s after the last reply ...".
seconds_after_last() { sed -nE 's/.* ([0-9.]+) s after the last reply.*/\1/p' <<<"$1"; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

out=$(py keepalive_client.py 127.0.0.1:19020 keepalive 10) || fail "the keepalive client failed: $out"
echo "$out"
grep -qE '^keepalive: [1-9][0-9]* replies; UNAVAILABLE at ' <<<"$out" || fail "grpcio's keepalive did not end the call with UNAVAILABLE"
silence=$(seconds_after_last "$out")
below "$silence" 5 || fail "grpcio's keepalive took ${silence} s, not about 1 s (500 + 500 ms)"

out=$(py keepalive_client.py 127.0.0.1:19020 plain 3) || fail "the plain client failed: $out"
echo "$out"
grep -qE '^plain: [1-9][0-9]* replies; DEADLINE_EXCEEDED at 3\.' <<<"$out" || fail "without keepalive the call did not wait for its deadline"

# A8's three options alone: in grpcio 1.85 the PING waits 60 s
# (grpc.http2.ping_timeout_ms), and at most 2 are sent while the client
# sends nothing: said, not asserted, so that a grpcio that changes is seen.
out=$(py keepalive_client.py 127.0.0.1:19020 a8-only 3) || fail "the a8-only client failed: $out"
echo "$out"
if grep -q "DEADLINE_EXCEEDED" <<<"$out"; then
  echo "interop: note: with A8's three options only, grpcio did not notice within 3 s (README, 'In another language')"
else
  echo "interop: note: grpcio now notices with A8's three options only; update the README"
fi

# Our server noticed the three vanished clients (its keepalive: 500 + 500
# ms); the last one's line may still be coming: wait for it, 10 s at most.
ended_early() { grep -c "say_hello_stream pid 4400: the stream ended after .* replies sent" "$log"; }
for _ in $(seq 100); do [ "$(ended_early)" -ge 3 ] && break; sleep 0.1; done
[ "$(ended_early)" -eq 3 ] || fail "expected three streams of pid 4400 ended early: $(cat "$log")"
grep "say_hello_stream pid 4400: the stream ended" "$log"

# Our client, the same way.
if out=$("$bin/client" --addr 127.0.0.1:19020 --pid 4401 --keepalive-interval-ms 500 \
  --keepalive-timeout-ms 500 --timeout-ms 10000 2>&1); then
  fail "our client's stream ended normally through the black hole: $out"
fi
echo "$out"
grep -qE '^the call ended at [0-9]+ ms, [0-9]+ ms after the last reply: UNKNOWN$' <<<"$out" \
  || fail "our client did not notice the dead connection: $out"

kill -INT "$proxy"
wait "$proxy" || fail "the proxy did not stop cleanly on SIGINT"
kept=()
for pid in "${pids[@]}"; do [ "$pid" = "$proxy" ] || kept+=("$pid"); done
pids=("${kept[@]}")
cat "$logs/keepalive-proxy.log"
