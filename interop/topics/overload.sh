# The overload topic's counterpart (sourced by interop/run.sh): grpcio's
# own retryThrottling against our overload server failing 90% of its
# attempts (seeded), the amplification counted by the server; then our
# Rust client against the same server, measuring the same three rounds.
# Both must show throttling below plain retries, within A6's bound.

calls=200
start_topic overload 18914 --fail-percent 90 --seed 1

out=$(py overload_client.py 127.0.0.1:18914 "$calls") || fail "grpcio's rounds: $out"
echo "$out"
expect_line "grpcio's retryThrottling kept the attempts within A6's bound" "$out"
grep -qE "^no retries: +$calls attempts reached the server for $calls calls: 1\.000 per call" <<<"$out" \
  || fail "grpcio without retries did not make one attempt per call: $out"

out=$(cargo run --quiet -p overload --bin client -- --addr 127.0.0.1:18914 --calls "$calls") \
  || fail "our overload client failed: $out"
echo "$out"
grep -qE "^no retries: +$calls attempts reached the server for $calls calls: 1\.000 per call" <<<"$out" \
  || fail "our client without retries did not make one attempt per call: $out"
# Ours too: fewer attempts throttled than retried, within the bound it prints.
retried=$(sed -nE 's/^retries: +([0-9]+) attempts.*/\1/p' <<<"$out")
throttled=$(sed -nE 's/^retries \+ throttling: ([0-9]+) attempts.*/\1/p' <<<"$out")
bound=$(sed -nE "s/.*A6's bound: .* = ([0-9]+)\.[0-9] attempts/\1/p" <<<"$out")
[ -n "$retried" ] && [ -n "$throttled" ] && [ -n "$bound" ] || fail "could not read our client's figures: $out"
[ "$retried" -gt $((2 * calls)) ] || fail "our retries made only $retried attempts for $calls calls"
[ "$throttled" -lt "$retried" ] && [ "$throttled" -le "$bound" ] \
  || fail "our throttling made $throttled attempts (retries: $retried, bound $bound)"
echo "interop: both clients throttled their retries to $throttled (ours) within A6's bound"
