# The load-balancing topic's counterpart (sourced by interop/run.sh): a
# grpcio channel whose service config says round_robin, on a target of our
# three servers, spreads its calls over all three; the same channel with
# pick_first sends them all to one. Each server's own log counts what it
# received, and matches the x-served-by the Python client read.

cargo build --quiet -p load-balancing --bins
lb_ports=(18911 18912 18913)
for port in "${lb_ports[@]}"; do
  cargo run --quiet -p load-balancing --bin server -- --addr "127.0.0.1:$port" \
    >"$logs/load-balancing-$port.log" 2>&1 &
  pids+=($!)
done
for port in "${lb_ports[@]}"; do wait_for_port "$port"; done
lb_target="127.0.0.1:18911,127.0.0.1:18912,127.0.0.1:18913"

# What server $1 logged as served: its "call N served here" lines.
served_here() { grep -c "127.0.0.1:$1: call [0-9]* served here" "$logs/load-balancing-$1.log" || true; }

out=$(py load_balancing_client.py "$lb_target" 30 round_robin) || fail "the round_robin client failed: $out"
echo "$out"
for port in "${lb_ports[@]}"; do
  line=$(grep -E "^served by 127\.0\.0\.1:$port: [0-9]+ calls$" <<<"$out") \
    || fail "round_robin sent no call to 127.0.0.1:$port: $out"
  said=$(grep -oE '[0-9]+ calls$' <<<"$line" | cut -d' ' -f1)
  # grpcio may start before every connection is up, so the first calls
  # can favour one server; after that, each in turn.
  [ "$said" -ge 5 ] || fail "round_robin gave 127.0.0.1:$port only $said of 30 calls: $out"
  logged=$(served_here "$port")
  [ "$logged" -eq "$said" ] || fail "127.0.0.1:$port logged $logged calls, the replies said $said"
done
echo "interop: grpcio's round_robin spread 30 calls over our three servers, each server's log agreeing"

out=$(py load_balancing_client.py "$lb_target" 30 pick_first) || fail "the pick_first client failed: $out"
echo "$out"
[ "$(grep -c '^served by' <<<"$out")" -eq 1 ] || fail "pick_first spread its calls: $out"
grep -qE '^served by 127\.0\.0\.1:1891[123]: 30 calls$' <<<"$out" || fail "pick_first: $out"

# And ours, round_robin over the same three: 10 each.
out=$(cargo run --quiet -p load-balancing --bin client -- --addr "$lb_target" --calls 30) \
  || fail "our client failed: $out"
echo "$out"
for port in "${lb_ports[@]}"; do expect_line "served by 127.0.0.1:$port: 10 calls" "$out"; done
